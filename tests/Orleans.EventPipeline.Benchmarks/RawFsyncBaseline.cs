using System.Diagnostics;
using Orleans.EventPipeline.Measurement;

namespace Orleans.EventPipeline.Benchmarks;

/// <summary>
/// The floor a durable log is measured against: each producer appends the same bytes to its own
/// file and fsyncs once per batch, with no framing, checksums, network or AMQP.
/// </summary>
internal static class RawFsyncBaseline
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, string directory)
    {
        Directory.CreateDirectory(directory);
        byte[] batch = new byte[scenario.BatchBytes];
        Random.Shared.NextBytes(batch);
        var latency = new LatencyRecorder();
        long batches = 0;
        using var stop = new CancellationTokenSource(scenario.Duration);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        TimeSpan pauseBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, scenario.Producers).Select(p => Task.Run(() =>
        {
            string path = Path.Combine(directory, $"raw-{p}.bin");
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                while (!stop.IsCancellationRequested)
                {
                    long start = Stopwatch.GetTimestamp();
                    file.Write(batch);
                    file.Flush(flushToDisk: true);
                    latency.Record(Stopwatch.GetElapsedTime(start));
                    Interlocked.Increment(ref batches);
                }
            }

            File.Delete(path);
        })));
        clock.Stop();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        TimeSpan gcPause = GC.GetTotalPauseDuration() - pauseBefore;
        (double p50, double p99) = (latency.Milliseconds(50), latency.Milliseconds(99));
        return new ScenarioResult("raw write+fsync", scenario, batches, clock.Elapsed, p50, p99, cpu, gcPause);
    }
}
