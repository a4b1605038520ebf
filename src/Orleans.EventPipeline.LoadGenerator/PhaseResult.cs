using Orleans.EventPipeline.Measurement;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>What one phase of a run got back: answers by status, ACKed events and bytes, ACK latencies.</summary>
internal sealed class PhaseResult
{
    private readonly Lock _lock = new();

    /// <summary>Latency of each ACKed (200) request.</summary>
    public LatencyRecorder Latency { get; } = new();

    public long Events { get; private set; }

    public long Bytes { get; private set; }

    public long Errors { get; private set; }

    public Dictionary<int, long> Statuses { get; } = [];

    public void Record(TimeSpan latency, int status, int events, int bytes)
    {
        if (status == 200)
        {
            Latency.Record(latency);
        }

        lock (_lock)
        {
            Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
            if (status == 200)
            {
                Events += events;
                Bytes += bytes;
            }
            else
            {
                Errors++;
            }
        }
    }
}
