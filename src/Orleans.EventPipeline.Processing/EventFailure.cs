using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing;

/// <summary>A parsed event a later stage (enrichment, the archive) could not process, with the reason for its dead letter.</summary>
public sealed record EventFailure(NormalizedEvent Event, string Reason);
