using HdrHistogram;

namespace Orleans.EventPipeline.Measurement;

/// <summary>
/// Latencies of many concurrent workers in an HdrHistogram: 1 µs to 1 hour at 3 significant digits
/// (percentiles within 0.1%), a fixed few hundred KB however many are recorded, recording lock-free.
/// The load tool and the emulator benchmark both report from it.
/// </summary>
internal sealed class LatencyRecorder
{
    private const long MicrosecondsPerHour = 3_600_000_000;

    private readonly LongConcurrentHistogram _histogram = new(1, MicrosecondsPerHour, 3);

    public long Count => _histogram.TotalCount;

    /// <summary>Records one latency; below 0 counts as 0, above an hour as an hour.</summary>
    public void Record(TimeSpan latency) =>
        _histogram.RecordValue(Math.Clamp(latency.Ticks / TimeSpan.TicksPerMicrosecond, 0, MicrosecondsPerHour));

    /// <summary>The latency in milliseconds that <paramref name="percentile"/> % of the recorded ones do not exceed; NaN when none.</summary>
    public double Milliseconds(double percentile) =>
        Count == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile) / 1000.0;

    /// <summary>The largest recorded latency in milliseconds (to the histogram's precision); NaN when none.</summary>
    public double MaxMilliseconds => Count == 0 ? double.NaN : _histogram.GetMaxValue() / 1000.0;
}
