using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// A tenant's dead-letter bookkeeping, persisted after every dead-letter batch: counters and pointers to the
/// kept letters' objects, a few KB (an Azure Table entity holds at most 1 MB; the letters can weigh more).
/// </summary>
[GenerateSerializer]
public sealed class DeadLetterState
{
    /// <summary>The last dead-letter stream sequence number counted; a replayed delivery at or below it is not counted again.</summary>
    [Id(0)] public long CountedThrough { get; set; } = -1;

    [Id(1)] public Dictionary<string, long> Counts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Letters kept in the state itself before they moved to the archive store; moved to an object on
    /// activation. Empty in every record written since.
    /// </summary>
    [Id(2)] public List<RetainedDeadLetter> Retained { get; set; } = [];

    /// <summary>Letters past the retention bounds: in past objects, no longer listed or replayed.</summary>
    [Id(3)] public long Dropped { get; set; }

    [Id(4)] public long Replayed { get; set; }

    /// <summary>Sequence of the next replay's archive object; advanced only once a replay is recorded.</summary>
    [Id(5)] public long NextReplay { get; set; }

    /// <summary>
    /// The last processing-stage source counted per stream key: a processor that replays after a crash
    /// sends the same letters from the same source again, at a new dead-letter stream position.
    /// </summary>
    [Id(6)] public Dictionary<string, DeadLetterSource> SourceCountedThrough { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The objects holding the kept letters, oldest first.</summary>
    [Id(7)] public List<DeadLetterObject> Kept { get; set; } = [];

    /// <summary>Number of the next letters object; advanced only once the state that points to it is written.</summary>
    [Id(8)] public long NextObject { get; set; }

    /// <summary>
    /// <see cref="DeadLetterBatch.RepeatKey"/> of the keyed requests' letter messages counted, oldest first, at
    /// most <see cref="ProcessingGrainOptions.RememberedKeyedLetterMessages"/>: a retry that sends them again is not counted again.
    /// </summary>
    [Id(9)] public List<string> KeyedCounted { get; set; } = [];

    /// <summary>
    /// Number of the next past object (<see cref="DeadLetterStore.PastNameOf"/>); every number below it names one, written
    /// before the state that counts it and never changed after.
    /// </summary>
    [Id(10)] public long NextPast { get; set; }

    /// <summary>The first past object the pages read: past objects below it went with a delete of the tenant's data.</summary>
    [Id(11)] public long FirstPast { get; set; }

    /// <summary>
    /// The archive object a replay is writing: saved before the write, cleared by the state write that records the replay.
    /// Found set on activation, the replay stopped in between (a silo killed, a store that failed the delete too), its
    /// letters are still kept, and the object is deleted so that they are not archived as well.
    /// </summary>
    [Id(12)] public string? ReplayInFlight { get; set; }

    public int KeptCount => Kept.Sum(static o => o.Kept);
}
