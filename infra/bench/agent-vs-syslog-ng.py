#!/usr/bin/env python3
"""
The agent tailing a file into a running local pipeline, against syslog-ng's http() destination with a reliable
disk buffer on the same file and pipeline (docs/PERFORMANCE.md, "Collection agent vs syslog-ng").
Needs a built solution and Debian's syslog-ng-core and syslog-ng-mod-http. Usage: agent-vs-syslog-ng.py [lines]
"""
import json, os, re, shutil, signal, subprocess, sys, time, urllib.request, socket

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.environ.get("BENCH_WORK", "/tmp/eventpipeline-agent-bench")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
ADMIN = "bench-admin-key-0123456789"
TICK = os.sysconf("SC_CLK_TCK")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK

def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

def req(method, url, body=None, key=ADMIN):
    r = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None,
                               headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(r, timeout=60) as resp:
        return json.loads(resp.read() or b"null")

shutil.rmtree(WORK, ignore_errors=True); os.makedirs(WORK)
web, silo_port, gw, otlp, eh = (free_port() for _ in range(5))
silo = subprocess.Popen(["dotnet", f"{ROOT}/src/Orleans.EventPipeline.Silo/bin/Debug/net10.0/Orleans.EventPipeline.Silo.dll",
    f"--Urls=http://127.0.0.1:{web}", f"--Pipeline:DataDirectory={WORK}/silo", f"--Pipeline:SiloPort={silo_port}",
    f"--Pipeline:GatewayPort={gw}", f"--Pipeline:Shippers:OtlpGrpcPort={otlp}", f"--Pipeline:Local:EventHubsPort={eh}",
    f"--Pipeline:AdminApiKey={ADMIN}"], cwd=f"{ROOT}/src/Orleans.EventPipeline.Silo/bin/Debug/net10.0",
    stdout=open(f"{WORK}/silo.log", "w"), stderr=subprocess.STDOUT)
try:
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{web}/readyz", timeout=2); break
        except Exception:
            if time.time() > deadline: raise
            time.sleep(0.5)
    base = f"http://127.0.0.1:{web}"
    limits = {"eventsPerSecond": 10_000_000, "bytesPerSecond": 10_000_000_000, "burstSeconds": 2}
    keys = {}
    for t in ("bench-agent", "bench-syslogng"):
        req("PUT", f"{base}/admin/v1/tenants/{t}", {"displayName": t, "enabled": True, "limits": limits})
        keys[t] = req("POST", f"{base}/admin/v1/tenants/{t}/keys", {"name": "bench"})["apiKey"]

    # The input: N syslog-like text lines of ~170 bytes, written before either tool starts.
    source = f"{WORK}/input.log"
    with open(source, "w") as f:
        for i in range(N):
            f.write(f"<134>Nov 30 12:00:00 web-{i % 16:02d} nginx[{1000 + i % 97}]: 10.0.{i % 256}.{i % 199} - - \"GET /api/items/{i} HTTP/1.1\" 200 {512 + i % 4096} \"-\" \"curl/8.5\" line={i:09d}\n")
    size = os.path.getsize(source)
    results = []

    # The agent: tail the file (text), status line every second to a file.
    os.makedirs(f"{WORK}/agent")
    conf = f"{WORK}/agent/agent.json"
    json.dump({"Endpoint": base, "ApiKey": keys["bench-agent"], "SpoolDirectory": f"{WORK}/agent/spool",
               "Files": [{"Path": source, "Format": "Text"}], "StatusInterval": "00:00:00.500"}, open(conf, "w"))
    status = open(f"{WORK}/agent/status.log", "w")
    start = time.time()
    agent = subprocess.Popen(["dotnet", f"{ROOT}/src/Orleans.EventPipeline.Agent/bin/Debug/net10.0/eventpipeline-agent.dll", "--config", conf],
                             stdout=status, stderr=subprocess.STDOUT)
    while True:
        time.sleep(0.2)
        text = open(f"{WORK}/agent/status.log").read()
        acks = [int(a.replace(",", "")) for a in re.findall(r"acknowledged ([\d,]+)", text)]
        if acks and acks[-1] >= N: break
        if agent.poll() is not None or time.time() - start > 900: raise SystemExit("agent did not finish: " + text[-2000:])
    elapsed = time.time() - start
    print("agent last status:", text.strip().splitlines()[-1])
    results.append(("eventpipeline-agent (file tail, gzip, 1 batch in flight, fsync'd spool)", elapsed, cpu_seconds(agent.pid), peak_rss_mib(agent.pid)))
    agent.send_signal(signal.SIGTERM); agent.wait(60)

    for workers in (1, 4):
        # syslog-ng: file() source, http() destination with a reliable disk buffer, batches of 1000 lines.
        sng = f"{WORK}/syslog-ng"; shutil.rmtree(sng, ignore_errors=True); os.makedirs(f"{sng}/buffer")
        open(f"{sng}/syslog-ng.conf", "w").write(f'''@version: 3.38
    options {{ stats-level(1); keep-hostname(yes); }};
    source s_file {{ file("{source}" flags(no-parse) follow-freq(1) log-fetch-limit(1000) log-iw-size(10000)); }};
    destination d_http {{
      http(url("{base}/v1/events") method("POST")
           headers("Authorization: Bearer {keys["bench-syslogng"]}", "Content-Type: text/plain")
           body("${{MESSAGE}}") delimiter("\\n")
           batch-lines(1000) batch-bytes(1048576) batch-timeout(1000) workers({workers})
           disk-buffer(reliable(yes) disk-buf-size(1073741824) mem-buf-size(16777216) dir("{sng}/buffer")));
    }};
    log {{ source(s_file); destination(d_http); }};
    ''')
        ctl = f"{sng}/ctl"
        start = time.time()
        daemon = subprocess.Popen(["/usr/sbin/syslog-ng", "-F", "-f", f"{sng}/syslog-ng.conf", "-R", f"{sng}/persist", "-p", f"{sng}/pid", "-c", ctl],
                                  stdout=open(f"{sng}/out.log", "w"), stderr=subprocess.STDOUT)
        written = 0
        while True:
            time.sleep(0.2)
            try:
                stats = subprocess.run(["/usr/sbin/syslog-ng-ctl", "stats", "-c", ctl], capture_output=True, text=True, timeout=10).stdout
            except Exception:
                stats = ""
            m = [int(l.rsplit(";", 1)[1]) for l in stats.splitlines() if l.startswith("dst.http;") and ";written;" in l]
            written = sum(m)
            if written >= N: break
            if daemon.poll() is not None or time.time() - start > 900: raise SystemExit("syslog-ng did not finish: " + stats[-2000:] + open(f"{sng}/out.log").read()[-2000:])
        elapsed = time.time() - start
        results.append((f"syslog-ng 3.38 http() + reliable disk-buffer (batch-lines 1000, workers {workers})", elapsed, cpu_seconds(daemon.pid), peak_rss_mib(daemon.pid)))
        daemon.send_signal(signal.SIGTERM); daemon.wait(60)

        print("syslog-ng stats:", [l for l in stats.splitlines() if l.startswith("dst.http;")])
    print(f"{N:,} lines, {size / 1e6:.1f} MB, {os.cpu_count()} cores")
    print("| sender | seconds | lines/s | CPU s | CPU ms per 1,000 lines | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, secs, cpu, rss in results:
        print(f"| {name} | {secs:.1f} | {N / secs:,.0f} | {cpu:.1f} | {cpu * 1e6 / N:.1f} | {rss:.0f} |")
finally:
    silo.send_signal(signal.SIGTERM)
    try: silo.wait(60)
    except Exception: silo.kill()
