using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Administration;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// What many small tenants cost a silo: creates <see cref="LoadOptions.IdleTenants"/> tenants, posts one
/// batch of 10 events for each, waits until the archive counter has every event, then leaves them idle.
/// Prints resident memory, activations and the silo's CPU before the tenants, once their events are
/// archived, and after the idle period.
/// </summary>
internal static partial class IdleTenants
{
    private const int EventsPerTenant = 10;
    private const int Concurrency = 16;
    private static readonly TimeSpan ArchiveDeadline = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan BaselineWindow = TimeSpan.FromSeconds(60);

    // A gateway's start-up warm-up (Pipeline:Warmup) grows the heap before the silo reports ready, and the silo's idle
    // trim gives it back a minute after the last request (IdleMemoryTrimmer.QuietPeriod): the baseline is read after
    // that, or the heap the warm-up left would be counted against the tenants' growth.
    private static readonly TimeSpan AfterWarmup = TimeSpan.FromSeconds(90);

    public static async Task RunAsync(HttpClient http, PipelineUnderTest pipeline, LoadOptions options)
    {
        var silo = pipeline.Gateway.Process;
        await Task.Delay(AfterWarmup);
        // The silo's own idle cost (stream receivers polling, membership, metrics) before any tenant, for comparison.
        var baselineStart = silo.CpuSeconds();
        await Task.Delay(BaselineWindow);
        var baselineCpu = silo.CpuSeconds() - baselineStart;
        var before = await SnapshotAsync(http, pipeline);
        var body = BatchBodies.Create(EventsPerTenant, options.EventBytes, variants: 1)[0];
        var archivedBefore = before.Archived;
        var created = System.Diagnostics.Stopwatch.StartNew();
        var failures = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, options.IdleTenants), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, cancellationToken) =>
        {
            var id = $"idle-{i}";
            var key = await TenantAdmin.CreateWithKeyAsync(http, http.BaseAddress!, options.AdminKey, id, new { displayName = id, enabled = true }, "idle", cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }
        });
        var posting = created.Elapsed;

        var expected = archivedBefore + ((long)(options.IdleTenants - failures) * EventsPerTenant);
        var deadline = DateTime.UtcNow + ArchiveDeadline;
        Snapshot archived;
        while ((archived = await SnapshotAsync(http, pipeline)).Archived < expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The archive counter shows {archived.Archived - archivedBefore:N0} of {expected - archivedBefore:N0} events after {ArchiveDeadline}.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var caughtUp = created.Elapsed;
        var idleStart = silo.CpuSeconds();
        await Task.Delay(options.IdleDuration);
        var idleCpu = silo.CpuSeconds() - idleStart;
        var after = await SnapshotAsync(http, pipeline);

        var n = options.IdleTenants;
        Console.WriteLine(Invariant($"{n:N0} tenants x {EventsPerTenant} events of ~{options.EventBytes} B: created and posted in {posting.TotalSeconds:N1} s ({failures} refused), archived {caughtUp.TotalSeconds:N1} s after the start; {Environment.ProcessorCount} cores, load average {LoadAverage()}"));
        Console.WriteLine();
        Console.WriteLine("| when | RSS MiB | activations | RSS per tenant KiB | activations per tenant |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(Invariant($"| before the tenants | {before.Resident / 1048576.0:N0} | {before.Activations:N0} | | |"));
        Row("events archived", archived);
        Row($"after {options.IdleDuration.TotalMinutes:N0} min idle", after);
        Console.WriteLine();
        Console.WriteLine(Invariant($"silo CPU while idle: {idleCpu:N1} s over {options.IdleDuration.TotalSeconds:N0} s = {idleCpu / options.IdleDuration.TotalSeconds:N3} cores; before the tenants {baselineCpu / BaselineWindow.TotalSeconds:N3} cores"));

        void Row(string when, Snapshot s) => Console.WriteLine(Invariant(
            $"| {when} | {s.Resident / 1048576.0:N0} | {s.Activations:N0} | {(s.Resident - before.Resident) / 1024.0 / n:N1} | {(double)(s.Activations - before.Activations) / n:N2} |"));
    }

    private static async Task<Snapshot> SnapshotAsync(HttpClient http, PipelineUnderTest pipeline)
    {
        var metrics = await http.GetStringAsync("/metrics");
        return new Snapshot(pipeline.ResidentBytes().Sum(), Sum(metrics, ActivationsLine()), Sum(metrics, ArchivedLine()));
    }

    private static long Sum(string exposition, Regex line) =>
        line.Matches(exposition).Sum(static m => (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^orleans_catalog_activations(?:\{[^}]*\})? ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex ActivationsLine();

    [GeneratedRegex(@"^eventpipeline_events_archived_total(?:\{[^}]*\})? ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex ArchivedLine();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private readonly record struct Snapshot(long Resident, long Activations, long Archived);
}
