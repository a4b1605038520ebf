namespace Orleans.EventPipeline.Streams;

/// <summary>
/// The stream provider and namespaces of the pipeline: public API. A user's grain with
/// <c>[ImplicitStreamSubscription(PipelineStreams.Raw)]</c> receives every tenant's raw batches,
/// one activation per stream key (see <see cref="StreamKeys"/>).
/// </summary>
public static class PipelineStreams
{
    /// <summary>Name of the Orleans stream provider backed by Event Hubs.</summary>
    public const string ProviderName = "events";

    /// <summary>
    /// Name of the in-cluster (memory, not durable) stream provider of the derived streams
    /// (<c>EventStreams.Ordered</c>). A subscriber that must survive a
    /// crash without gaps subscribes to <see cref="Raw"/> on <see cref="ProviderName"/> instead.
    /// </summary>
    public const string DerivedProviderName = "derived";

    /// <summary>Accepted raw events, as <see cref="RawEventBatch"/> items.</summary>
    public const string Raw = "tenant-raw";

    /// <summary>Events the gateway refused, or a processing stage could not handle, as <see cref="DeadLetterBatch"/> items (one stream per tenant).</summary>
    public const string DeadLetter = "tenant-deadletter";
}
