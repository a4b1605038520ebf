using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>A raw batch after parsing: the events that parsed, in batch order, and the ones that did not.</summary>
/// <param name="DeadLetters">Failed events with their raw bytes (copied) and reasons; <c>Index</c> is the request index.</param>
public sealed record NormalizationResult(IReadOnlyList<NormalizedEvent> Events, IReadOnlyList<DeadLetter> DeadLetters);
