using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.Audit;
using Orleans.EventPipeline.Measurement;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Sustained end-to-end run: post at a fixed rate (open loop) for the run's duration while listing the
/// archive every second, then read it back (the pipeline's own reader, <see cref="ArchiveReadback{T}"/>)
/// until it holds every ACKed event. Reports ACK latency, the rate events reached the archive, archive lag, loss, duplicates and the
/// silos' memory.
/// </summary>
internal static class EndToEnd
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    // What "sustained" means in the rate search (docs/PERFORMANCE.md), from issue 12's targets: no loss, the
    // ACK p99 of every window after the first (the silos' cold start, printed but judged on its own) under
    // AckP99Target, the silos' resident memory under ResidentBudget together, and the archive done within
    // CatchUpAllowance of the load's end: the archive's default MaxAge for the last partial objects, plus
    // CatchUpMargin for its flush check (1 s) and this tool's listing (Poll); a backlog that grew during the
    // load takes longer.
    internal static readonly TimeSpan AckP99Target = PhaseResult.SlowAck;
    internal const long ResidentBudget = 1L << 30;
    private static readonly TimeSpan CatchUpMargin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CatchUpAllowance = new ArchiveFlushPolicy().MaxAge + CatchUpMargin;

    // Posting may fall this far short of the offered rate (requests still in flight at the end).
    private const double PostedShare = 0.99;

    /// <summary>
    /// <see cref="LoadOptions.EndToEndWarm"/>: the same rate to <paramref name="tenants"/> (others than the measured run's),
    /// until their archive holds every ACKed event, then <see cref="LoadOptions.Cooldown"/> without requests; the silos'
    /// peak memory starts again after it.
    /// </summary>
    public static async Task WarmAsync(GatewayLoad load, PipelineUnderTest pipeline, IReadOnlyList<string> tenants, LoadOptions options)
    {
        var time = TimeProvider.System;
        var archive = new ArchiveReadback<(string Id, DateTimeOffset Ingested)>(pipeline.Archive, static e => (e.EventId, e.IngestTime), time.GetUtcNow(), time);
        var warm = await load.RunPacedAsync(options.EndToEndRate, options.Connections * 2, options.EndToEndWarm);
        var (archived, _) = await ReadUntilAsync(archive, tenants, warm.Events);
        Console.WriteLine(Invariant($"warm-up: {warm.Events:N0} events ACKed in {options.EndToEndWarm.TotalSeconds:N0} s to other tenants, errors {warm.Errors}, ACK p99 every {PhaseResult.WindowWidth.TotalSeconds:N0} s (ms) {P99s(warm.Windows)}; {archived:N0} archived; then {options.Cooldown.TotalSeconds:N0} s without requests"));
        await Task.Delay(options.Cooldown);
        pipeline.ResetPeakResident();
    }

    public static async Task RunAsync(GatewayLoad load, PipelineUnderTest pipeline, IReadOnlyList<string> tenants, LoadOptions options)
    {
        var time = TimeProvider.System;
        var archive = new ArchiveReadback<(string Id, DateTimeOffset Ingested)>(pipeline.Archive, static e => (e.EventId, e.IngestTime), time.GetUtcNow(), time);
        using var sampling = new CancellationTokenSource();
        var memory = SampleMemoryAsync(pipeline, sampling.Token);
        // Objects are listed, not decoded, while the load runs and while the reads below decode: an object's
        // lag is from the event's ACK to the listing that first showed it, whatever this tool was doing.
        using var watching = new CancellationTokenSource();
        var watch = archive.WatchAsync(tenants, Poll, watching.Token);
        var before = pipeline.Use();
        var ingest = await load.RunPacedAsync(options.EndToEndRate, options.Connections * 2, options.Duration);
        var posted = ingest.Elapsed;
        var loadStopped = time.GetUtcNow();
        await sampling.CancelAsync();
        var samples = await memory;

        // Done when every ACKed event is there; "caught up" is when a listing first showed the object that
        // completed it, so decoding the archive here does not count.
        var (archived, objects) = await ReadUntilAsync(archive, tenants, ingest.Events);

        await watching.CancelAsync();
        await watch;
        var after = pipeline.Use();
        var distinct = objects.SelectMany(static o => o.Events).Select(static e => e.Id).Distinct(StringComparer.Ordinal).LongCount();
        var lastSeen = objects.Count == 0 ? loadStopped : objects.Max(static o => o.FirstSeen);
        var caughtUp = lastSeen - loadStopped;
        var lag = new LatencyRecorder();
        foreach (var archivedObject in objects)
        {
            foreach (var (_, ingested) in archivedObject.Events)
            {
                lag.Record(archivedObject.FirstSeen - ingested);
            }
        }

        Console.WriteLine(Invariant($"posted at {options.EndToEndRate:N0} events/s for {options.Duration.TotalSeconds} s over {options.Connections * 2} connections, {options.Tenants} tenants{(options.Ordering ? " with the order stage on" : "")}, {Environment.ProcessorCount} cores"));
        Console.WriteLine(Invariant($"ACKed {ingest.Events:N0} events ({ingest.EventsPerSecond:N0}/s over the {posted.TotalSeconds:N1} s posting took), errors {ingest.Errors}, ACK p50 {ingest.Latency.Milliseconds(50):N1} ms, p99 {ingest.Latency.Milliseconds(99):N1} ms"));
        Console.WriteLine(Invariant($"ACK p99 every {PhaseResult.WindowWidth.TotalSeconds:N0} s of the load (ms): {P99s(ingest.Windows)}"));
        Console.WriteLine(Invariant($"ACK p99 each second of the first {PhaseResult.WindowWidth.TotalSeconds:N0} s (ms): {P99s(ingest.FirstSeconds)}"));
        Console.WriteLine(SlowSeconds(ingest));
        Console.WriteLine(Invariant($"archived {archived:N0} events, distinct {distinct:N0}, missing {Math.Max(0, ingest.Events - distinct):N0}, duplicates {archived - distinct:N0}; archive caught up {caughtUp.TotalSeconds:N1} s after the load stopped"));
        Console.WriteLine(Invariant($"ACK -> archive rate: {distinct / (posted + caughtUp).TotalSeconds:N0} events/s (distinct archived events over posting time plus catch-up)"));
        Console.WriteLine(lag.Count == 0
            ? "no events archived"
            : Invariant($"archive lag (object first listed, listing every {Poll.TotalSeconds:N0} s - ingest time): p50 {lag.Milliseconds(50):N0} ms, p99 {lag.Milliseconds(99):N0} ms, max {lag.MaxMilliseconds:N0} ms"));
        Console.WriteLine("posting and catching up: " + ResourceUse.Describe(before, after, distinct));
        var peaks = pipeline.PeakResidentBytes();
        Console.WriteLine((options.EndToEndWarm > TimeSpan.Zero ? "peak resident memory since the warm-up (MiB): " : "peak resident memory (MiB): ") + pipeline.DescribeResident(peaks));
        Console.WriteLine("resident memory every 10 s of the load (MiB, all silos together): " + string.Join(" ", samples.Select(static b => Invariant($"{b / 1048576}"))));

        var shortfalls = Shortfalls(options, ingest, ingest.Events - distinct, archived - distinct, caughtUp, peaks.Sum());
        Console.WriteLine(shortfalls.Count == 0
            ? Invariant($"sustained: yes ({options.EndToEndRate:N0} events/s)")
            : Invariant($"sustained: no ({options.EndToEndRate:N0} events/s): ") + string.Join("; ", shortfalls));
    }

    /// <summary>Reads <paramref name="tenants"/>' archive until it holds <paramref name="events"/> events, or for <see cref="Deadline"/>.</summary>
    private static async Task<(long Archived, List<ArchivedObject<(string Id, DateTimeOffset Ingested)>> Objects)> ReadUntilAsync(
        ArchiveReadback<(string Id, DateTimeOffset Ingested)> archive, IReadOnlyList<string> tenants, long events)
    {
        var waited = Stopwatch.StartNew();
        List<ArchivedObject<(string Id, DateTimeOffset Ingested)>> objects = [];
        long archived = 0;
        while (waited.Elapsed < Deadline)
        {
            objects = [];
            foreach (var tenant in tenants)
            {
                objects.AddRange(await archive.ReadAsync(tenant, again: false, CancellationToken.None));
            }

            archived = objects.Sum(static o => (long)o.Events.Count);
            if (archived >= events)
            {
                break;
            }

            await Task.Delay(Poll);
        }

        return (archived, objects);
    }

    /// <summary>The seconds with any ACK over <see cref="PhaseResult.SlowAck"/>, by wall clock, to find beside a silo's counters.</summary>
    private static string SlowSeconds(PhaseResult phase)
    {
        var slow = phase.Seconds.Select((second, i) => (second, i)).Where(static s => s.second.Slow > 0).ToList();
        var head = Invariant($"seconds with an ACK over {PhaseResult.SlowAck.TotalMilliseconds:N0} ms (s since the start at {phase.StartedAt:HH:mm:ss.fff} UTC: slow of ACKed, slowest ms): ");
        return head + (slow.Count == 0
            ? "none"
            : string.Join(", ", slow.Select(s => Invariant($"s {s.i} {s.second.Slow}/{s.second.Requests} {s.second.Slowest.TotalMilliseconds:N0}"))));
    }

    private static string P99s(IEnumerable<LatencyRecorder> windows) => string.Join(" ", windows.Select(static w => Invariant($"{w.Milliseconds(99):N0}")));

    /// <summary>Why the run did not sustain its rate by the criteria above; empty when it did.</summary>
    private static List<string> Shortfalls(LoadOptions options, PhaseResult ingest, long missing, long duplicates, TimeSpan caughtUp, long peakResident)
    {
        var shortfalls = new List<string>();
        if (missing > 0 || duplicates > 0)
        {
            shortfalls.Add(Invariant($"{Math.Max(0, missing):N0} missing and {duplicates:N0} doubled"));
        }

        if (ingest.Errors > 0)
        {
            shortfalls.Add(Invariant($"{ingest.Errors:N0} requests not ACKed"));
        }

        if (ingest.EventsPerSecond < options.EndToEndRate * PostedShare)
        {
            shortfalls.Add(Invariant($"ACKed {ingest.EventsPerSecond:N0} events/s of the {options.EndToEndRate:N0} offered"));
        }

        var slow = ingest.Windows.Select((window, i) => (window, i)).Skip(1).Where(static w => w.window.Milliseconds(99) > AckP99Target.TotalMilliseconds).ToList();
        if (slow.Count > 0)
        {
            var width = PhaseResult.WindowWidth.TotalSeconds;
            shortfalls.Add(Invariant($"ACK p99 over {AckP99Target.TotalMilliseconds:N0} ms in ") + string.Join(", ", slow.Select(w => Invariant($"s {w.i * width:N0}-{(w.i + 1) * width:N0} ({w.window.Milliseconds(99):N0} ms)"))));
        }

        if (caughtUp > CatchUpAllowance)
        {
            shortfalls.Add(Invariant($"archive caught up {caughtUp.TotalSeconds:N1} s after the load, over {CatchUpAllowance.TotalSeconds:N0} s"));
        }

        if (peakResident > ResidentBudget)
        {
            shortfalls.Add(Invariant($"peak resident memory {peakResident / 1048576.0:N0} MiB, over {ResidentBudget / 1048576:N0} MiB"));
        }

        return shortfalls;
    }

    private static async Task<List<long>> SampleMemoryAsync(PipelineUnderTest pipeline, CancellationToken cancellationToken)
    {
        var samples = new List<long>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                samples.Add(pipeline.ResidentBytes().Sum());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The load ended.
        }

        return samples;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
