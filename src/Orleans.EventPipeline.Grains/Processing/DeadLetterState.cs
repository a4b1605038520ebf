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
}
