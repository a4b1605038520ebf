#!/usr/bin/env python3
"""Silo CPU by pipeline stage, from a perf recording (docs/PERFORMANCE.md, where the time goes).

Each sample goes to the stage named by the innermost frame of its stack that names one (the thread
name decides for GC, JIT and the emulator's commit threads). Async code runs as continuations off the
thread pool, so a stage's share is the time in its own frames and what they call, not what it awaits.

    DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 <start the silo>
    perf record -F 299 -g -p <silo pid> -o silo.perf -- sleep 20
    perf script -i silo.perf | python3 tests/Profiling/perf-stages.py
"""
import re, sys, collections
STAGES = [
    ("emulator (embedded Event Hubs: AMQP server, log, fsync)", r"Orleans\.EventPipeline\.EventHubsEmulator"),
    ("SDK send (producer, AMQP client)", r"AmqpProducer|GroupCommitSender|EventHubProducerClient|TransportProducer"),
    ("SDK/Orleans receive (receiver, cache)", r"AmqpConsumer|EventHubAdapterReceiver|EventHubQueueCache|PooledQueueCache|TrackingQueueCache|PipelineEventHubDataAdapter|GuardedEviction|PurgeGuard|StopAwareReceiver|CachePolicy|EventHubReceiverProxy|PartitionReceiver"),
    ("Orleans stream delivery (pulling agent)", r"PersistentStreamPullingAgent|StreamConsumer|Orleans\.Streams\."),
    ("processor (normalize, enrich, archive)", r"TenantStreamProcessorGrain|Orleans\.EventPipeline\.Processing|ArchiveWriter|TenantStages|DeadLetterGrain|EventOrderGrain|CheckpointHold"),
    ("ingest grain", r"TenantIngestGrain|ShardRateLimiter|TenantRateGrain|MessageChunks|RawBatchCodec"),
    ("gateway (endpoint, parse, auth)", r"Orleans\.EventPipeline\.Silo\.|Orleans\.EventPipeline\.Gateway"),
    ("Kestrel / ASP.NET Core", r"Microsoft\.AspNetCore"),
    ("Orleans messaging and grain calls", r"Orleans\.Runtime|Orleans\.Serialization|Orleans\.Core|Orleans\.Networking|Orleans\.Messaging"),
    ("OpenTelemetry and metrics", r"OpenTelemetry|System\.Diagnostics\.Metrics"),
    ("AMQP (unattributed side)", r"Microsoft\.Azure\.Amqp"),
    ("logging", r"Microsoft\.Extensions\.Logging|Console"),
    ("sockets (unattributed)", r"System\.Net\.Sockets|sock_|tcp_|__sys_sendmsg|__sys_recvfrom|sendmsg|recvmsg"),
    ("thread pool: spinning and waiting", r"sched_yield|LowLevelLifoSemaphore|PortableThreadPool|WorkerThread|futex|epoll"),
]
def comm_stage(comm):
    if "GC" in comm or "BGC" in comm: return "GC"
    if "Tiered Com" in comm: return "JIT (tiered compilation)"
    if comm.startswith("log-commit"): return "emulator (embedded Event Hubs: AMQP server, log, fsync)"
    return None
counts = collections.Counter(); total = 0
comm = None; frames = []
def flush():
    global total
    if comm is None: return
    total += 1
    stage = comm_stage(comm)
    if stage is None:
        for f in frames:  # innermost first
            for name, pat in STAGES:
                if re.search(pat, f):
                    stage = name; break
            if stage: break
    counts[stage or "other (runtime, libc, kernel without a known caller)"] += 1
for line in sys.stdin:
    if not line.strip():
        flush(); comm = None; frames = []; continue
    if not line.startswith((" ", "\t")):
        comm = line.split()[0] if not line.startswith(".NET") else " ".join(line.split()[:3])
        m = re.match(r"^(.*?)\s+\d+(/\d+)?\s", line); comm = m.group(1).strip() if m else comm
    else:
        frames.append(line.strip())
flush()
for name, n in counts.most_common():
    print(f"| {name} | {100*n/total:.1f} % |")
print(f"samples: {total}")
