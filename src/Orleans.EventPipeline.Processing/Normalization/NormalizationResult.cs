using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>A raw batch after parsing: the events that parsed, in batch order, and the ones that did not.</summary>
/// <param name="Indexes">The request index of each of <paramref name="Events"/> (the number in its event id), carried as a number so no stage parses it back.</param>
/// <param name="DeadLetters">Failed events with their raw bytes (copied) and reasons; <c>Index</c> is the request index.</param>
public sealed record NormalizationResult(IReadOnlyList<NormalizedEvent> Events, IReadOnlyList<int> Indexes, IReadOnlyList<DeadLetter> DeadLetters);
