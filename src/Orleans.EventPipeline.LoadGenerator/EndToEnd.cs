using System.Diagnostics;
using System.Globalization;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// Sustained end-to-end run: post at a fixed rate (open loop) for the run's duration, then wait until
/// the archive holds every ACKed event. Reports ACK latency, archive lag, loss, duplicates and the
/// silo's peak memory.
/// </summary>
internal static class EndToEnd
{
    public static async Task RunAsync(GatewayLoad load, SiloLauncher silo, LoadOptions options)
    {
        using var sampling = new CancellationTokenSource();
        var memory = SampleMemoryAsync(silo, sampling.Token);
        var ingest = await load.RunPacedAsync(options.EndToEndRate, options.Connections * 2, options.Duration);
        await sampling.CancelAsync();
        var samples = await memory;
        var stopped = Stopwatch.StartNew();
        var archive = new ArchiveCheck(silo.ArchiveDirectory);
        var deadline = TimeSpan.FromMinutes(5);
        while (stopped.Elapsed < deadline)
        {
            await archive.RefreshAsync();
            if (archive.Archived >= ingest.Events)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var drained = stopped.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"posted at {options.EndToEndRate:N0} events/s for {options.Duration.TotalSeconds} s over {options.Connections * 2} connections, {options.Tenants} tenants, {Environment.ProcessorCount} cores"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ACKed {ingest.Events:N0} events ({ingest.Events / options.Duration.TotalSeconds:N0}/s), errors {ingest.Errors}, ACK p50 {ingest.Latency.Milliseconds(50):N1} ms, p99 {ingest.Latency.Milliseconds(99):N1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"archived {archive.Archived:N0} events, distinct {archive.Distinct:N0}, missing {Math.Max(0, ingest.Events - archive.Distinct):N0}, duplicates {archive.Archived - archive.Distinct:N0}; archive caught up {drained.TotalSeconds:N1} s after the load stopped"));
        Console.WriteLine(archive.LagSummary());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"silo peak resident memory {silo.PeakResidentBytes() / 1048576.0:N0} MiB"));
        Console.WriteLine("silo resident memory every 10 s of the load (MiB): " + string.Join(" ", samples.Select(static b => (b / 1048576).ToString(CultureInfo.InvariantCulture))));
    }

    private static async Task<List<long>> SampleMemoryAsync(SiloLauncher silo, CancellationToken cancellationToken)
    {
        var samples = new List<long>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                samples.Add(silo.ResidentBytes());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The load ended.
        }

        return samples;
    }
}
