using System.Diagnostics;

namespace Orleans.EventPipeline.Benchmarks;

/// <summary>Per-producer send latencies; merged after the run, so recording takes no lock.</summary>
internal sealed class LatencyRecorder
{
    private readonly List<double> _milliseconds = new(capacity: 16 * 1024);

    public void Record(long startTimestamp) => _milliseconds.Add(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public static (double P50, double P99) Percentiles(IEnumerable<LatencyRecorder> recorders)
    {
        double[] all = [.. recorders.SelectMany(static r => r._milliseconds).Order()];
        return all.Length == 0 ? (0, 0) : (all[(int)(all.Length * 0.50)], all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]);
    }
}
