using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing;

/// <summary>A parsed event a later stage (enrichment, the archive) could not process, with the reason for its dead letter.</summary>
/// <param name="Position">The event's position in the list the stage was given, so callers find what they keep beside it (its request index) without parsing its id.</param>
public sealed record EventFailure(int Position, NormalizedEvent Event, string Reason);
