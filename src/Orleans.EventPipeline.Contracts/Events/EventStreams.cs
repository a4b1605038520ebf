namespace Orleans.EventPipeline.Events;

/// <summary>
/// Stream namespaces of the processed events. <see cref="Normalized"/> and <see cref="Ordered"/> are on the
/// in-cluster <c>PipelineStreams.DerivedProviderName</c> provider and keyed like the raw stream (one stream
/// per tenant shard); <see cref="Alerts"/> is on the durable <c>PipelineStreams.ProviderName</c> provider,
/// keyed by tenant id. A user's grain with <c>[ImplicitStreamSubscription(EventStreams.Ordered)]</c>
/// receives every tenant's ordered events (docs/EXTENDING.md).
/// </summary>
public static class EventStreams
{
    /// <summary>Parsed and enriched events in arrival order, as <see cref="NormalizedEventBatch"/> items.</summary>
    public const string Normalized = "tenant-normalized";

    /// <summary>Events in event-time order, late ones flagged, as <see cref="NormalizedEventBatch"/> items.</summary>
    public const string Ordered = "tenant-ordered";

    /// <summary>
    /// The namespaces of the <c>derived</c> provider that a stage reads and publishes onward from; each has
    /// queues of its own there, so a stage never waits for room in a queue it reads.
    /// </summary>
    public static readonly IReadOnlyList<string> DerivedHops = [Normalized, Ordered];

    /// <summary>Alerts raised by detection grains, as <see cref="Alert"/> items.</summary>
    public const string Alerts = "tenant-alerts";
}
