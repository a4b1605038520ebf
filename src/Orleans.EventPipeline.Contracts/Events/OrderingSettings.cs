namespace Orleans.EventPipeline.Events;

/// <summary>A tenant's event-time ordering.</summary>
[GenerateSerializer, Immutable]
public sealed record OrderingSettings
{
    /// <summary>
    /// Whether the tenant's events go through the order stage onto the <c>tenant-ordered</c> stream, for
    /// subscribers such as detections. Off by default: the stage more than doubles the processing CPU
    /// (measured at 50,000 events/s: 28.6-34.9 ms of silo CPU per 1,000 events with it on for every
    /// tenant, 14.2-15.5 without; docs/PERFORMANCE.md). The archive does not need it; its objects are sorted by event
    /// time either way.
    /// </summary>
    [Id(2)] public bool Enabled { get; init; }

    /// <summary>
    /// How long an event is held for earlier ones to arrive. 5 s covers the batching delay of agents
    /// (1-2 s) plus clock skew between a tenant's hosts; each second adds that much latency.
    /// </summary>
    [Id(0)] public TimeSpan LatenessWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Events held at most per stream key; past it the oldest are released early. 100,000 events of
    /// about 1 KB bound a shard's buffer near 100 MB, and cover 2 s of a 50,000 events/s flood.
    /// </summary>
    [Id(1)] public int MaxBufferedEvents { get; init; } = 100_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (LatenessWindow < TimeSpan.Zero || LatenessWindow > TimeSpan.FromHours(1))
        {
            errors.Add($"Ordering.LatenessWindow {LatenessWindow} is out of range: use 0 to 1 hour (default 5 s); longer windows hold events and memory that long.");
        }

        if (MaxBufferedEvents < 1)
        {
            errors.Add($"Ordering.MaxBufferedEvents {MaxBufferedEvents} must be at least 1 (default 100000).");
        }

        return errors;
    }
}
