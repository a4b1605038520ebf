using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Enrichment;

/// <summary>Enriched events in input order, and the ones that failed.</summary>
public sealed record EnrichmentResult(IReadOnlyList<NormalizedEvent> Events, IReadOnlyList<EventFailure> Failures);
