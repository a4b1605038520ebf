namespace Orleans.EventPipeline.Client.Spool;

/// <summary>
/// One batch as the spool keeps it: its place in the send order, the idempotency key it is sent under on
/// every attempt (also after a restart), its body exactly as sent, and the sources' positions once its events
/// were taken.
/// </summary>
/// <param name="Checkpoints">Every source's position after this batch's events, as JSON (<see cref="CheckpointCodec"/>).</param>
internal sealed record SpooledBatch(
    long Sequence,
    Guid IdempotencyKey,
    int EventCount,
    bool Gzip,
    EventContentType ContentType,
    byte[] Checkpoints,
    byte[] Body)
{
    /// <summary>The <c>Idempotency-Key</c> header value.</summary>
    public string Key => IdempotencyKey.ToString("N");
}

/// <summary>Where a spooled batch lies on disk, kept in memory for every batch not yet acknowledged.</summary>
internal sealed record SpoolEntry(long Sequence, string Segment, long Offset, int Length, int EventCount);

/// <summary>A part of the spool found unreadable at start and left out: its batches are not sent.</summary>
/// <param name="Segment">The segment file.</param>
/// <param name="Offset">Where the unreadable part begins.</param>
/// <param name="BytesLost">How many bytes were dropped: up to the next intact record, or to the segment's end.</param>
/// <param name="Reason">What was wrong, e.g. a record cut short by a crash or a checksum mismatch, and what was lost.</param>
public sealed record SpoolDamage(string Segment, long Offset, long BytesLost, string Reason)
{
    /// <summary>The first batch sequence lost: the one after the last intact batch before the damage.</summary>
    public long? FirstSequence { get; init; }

    /// <summary>The last batch sequence lost, when an intact batch follows; null for a torn tail.</summary>
    public long? LastSequence { get; init; }

    /// <summary>The file the damaged bytes were moved to for inspection, or null (a torn tail, or the move failed).</summary>
    public string? SavedTo { get; init; }
}

/// <summary>What opening the spool found: batches to send first, in order, and any damage left out.</summary>
public sealed record SpoolRecovery(int Batches, int Events, long Bytes, IReadOnlyList<SpoolDamage> Damage);
