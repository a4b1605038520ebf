using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>A tenant's dead-letter bookkeeping, persisted after every dead-letter batch.</summary>
[GenerateSerializer]
public sealed class DeadLetterState
{
    /// <summary>The last dead-letter stream sequence number counted; a replayed delivery at or below it is not counted again.</summary>
    [Id(0)] public long CountedThrough { get; set; } = -1;

    [Id(1)] public Dictionary<string, long> Counts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Oldest first.</summary>
    [Id(2)] public List<RetainedDeadLetter> Retained { get; set; } = [];

    [Id(3)] public long Dropped { get; set; }

    [Id(4)] public long Replayed { get; set; }

    /// <summary>Sequence of the next replay's archive object; advanced only once a replay is recorded.</summary>
    [Id(5)] public long NextReplay { get; set; }

    /// <summary>
    /// The last processing-stage source counted per stream key: a processor that replays after a crash
    /// sends the same letters from the same source again, at a new dead-letter stream position.
    /// </summary>
    [Id(6)] public Dictionary<string, DeadLetterSource> SourceCountedThrough { get; set; } = new(StringComparer.Ordinal);
}
