namespace Orleans.EventPipeline.Events;

/// <summary>
/// Stream namespaces of the processed events. <see cref="Ordered"/> is on the in-cluster
/// <c>PipelineStreams.DerivedProviderName</c> provider and keyed like the raw stream (one stream per tenant
/// shard); <see cref="Alerts"/> is on the durable <c>PipelineStreams.ProviderName</c> provider,
/// keyed by tenant id. A user's grain with <c>[ImplicitStreamSubscription(EventStreams.Ordered)]</c>
/// receives every tenant's ordered events (docs/EXTENDING.md).
/// </summary>
public static class EventStreams
{
    /// <summary>Events in event-time order, late ones flagged, as <see cref="NormalizedEventBatch"/> items.</summary>
    public const string Ordered = "tenant-ordered";

    /// <summary>
    /// The pipeline's namespaces on the <c>derived</c> provider; each has queues of its own there, apart from
    /// the namespaces users publish to, so a user's grain that reads one and publishes to its own never
    /// waits for room in a queue it reads.
    /// </summary>
    public static readonly IReadOnlyList<string> DerivedHops = [Ordered];

    /// <summary>Alerts raised by detection grains, as <see cref="Alert"/> items.</summary>
    public const string Alerts = "tenant-alerts";
}
