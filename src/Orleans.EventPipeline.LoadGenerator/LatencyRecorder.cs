namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>Collects per-request latencies (milliseconds) from many workers; percentiles at the end.</summary>
internal sealed class LatencyRecorder
{
    private readonly Lock _lock = new();
    private readonly List<double> _samples = new(100_000);

    public long Events { get; private set; }

    public long Bytes { get; private set; }

    public long Errors { get; private set; }

    public Dictionary<int, long> Statuses { get; } = [];

    public void Record(double milliseconds, int status, int events, int bytes)
    {
        lock (_lock)
        {
            Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
            if (status == 200)
            {
                _samples.Add(milliseconds);
                Events += events;
                Bytes += bytes;
            }
            else
            {
                Errors++;
            }
        }
    }

    public double Percentile(double p)
    {
        lock (_lock)
        {
            if (_samples.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _samples.Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
        }
    }
}
