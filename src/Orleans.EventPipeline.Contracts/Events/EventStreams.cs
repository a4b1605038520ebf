namespace Orleans.EventPipeline.Events;

/// <summary>
/// Stream namespaces of the processed events, on the <c>PipelineStreams.ProviderName</c> provider and
/// keyed like the raw stream (one stream per tenant shard). A user's grain with
/// <c>[ImplicitStreamSubscription(EventStreams.Ordered)]</c> receives every tenant's ordered events.
/// </summary>
public static class EventStreams
{
    /// <summary>Parsed and enriched events in arrival order, as <see cref="NormalizedEventBatch"/> items.</summary>
    public const string Normalized = "tenant-normalized";

    /// <summary>Events in event-time order, late ones flagged, as <see cref="NormalizedEventBatch"/> items.</summary>
    public const string Ordered = "tenant-ordered";

    /// <summary>Alerts raised by detection grains, as <see cref="NormalizedEventBatch"/> items.</summary>
    public const string Alerts = "tenant-alerts";
}
