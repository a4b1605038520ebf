using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>An event enrichment could not process, with the reason for its dead letter.</summary>
public sealed record EnrichmentFailure(NormalizedEvent Event, string Reason);
