namespace Orleans.EventPipeline.EventHubsEmulator.Log;

/// <summary>What one append made durable.</summary>
public readonly record struct AppendResult(long FirstSequenceNumber, long LastSequenceNumber, long LastOffset, DateTimeOffset EnqueuedTime);

/// <summary>Committed state of a partition; sequence numbers and offsets are -1 while the log is empty.</summary>
public readonly record struct PartitionLogInfo(
    long BeginSequenceNumber,
    long LastSequenceNumber,
    long LastOffset,
    DateTimeOffset LastEnqueuedTime,
    bool IsEmpty);

/// <summary>
/// A committed record read back from the log. <see cref="Payload"/> is owned by the record: a copy of the stored
/// payload, or what the read's <see cref="RecordCopy"/> made of it.
/// </summary>
public sealed record LogRecord(long SequenceNumber, long Offset, DateTimeOffset EnqueuedTime, ReadOnlyMemory<byte> Payload);

/// <summary>
/// Makes a read's own bytes for one record from its stored <paramref name="payload"/>, which is valid only during the
/// call (it may lie in a buffer of the log's tail cache, under its lock). A reader that re-encodes what it reads does it
/// here, in the one copy the read makes anyway, instead of copying the payload and then the encoding. It may run under
/// the tail cache's lock: it must not wait, nor take a lock of the log's (the log's <c>Info</c> takes none).
/// </summary>
public delegate ReadOnlyMemory<byte> RecordCopy(long sequenceNumber, long offset, DateTimeOffset enqueuedTime, ReadOnlySpan<byte> payload);

/// <summary>Kinds of start positions, mirroring Event Hubs' EventPosition.</summary>
public enum LogPositionKind
{
    Earliest,
    Latest,
    Offset,
    SequenceNumber,
    EnqueuedTime,
}

/// <summary>A start position. <see cref="Value"/> is an offset, a sequence number or Unix milliseconds.</summary>
public readonly record struct LogPosition(LogPositionKind Kind, long Value, bool Inclusive)
{
    public static LogPosition Earliest => new(LogPositionKind.Earliest, 0, true);

    /// <summary>The next record written after the position is resolved.</summary>
    public static LogPosition Latest => new(LogPositionKind.Latest, 0, false);

    public static LogPosition FromOffset(long offset, bool inclusive) => new(LogPositionKind.Offset, offset, inclusive);

    public static LogPosition FromSequenceNumber(long sequenceNumber, bool inclusive) => new(LogPositionKind.SequenceNumber, sequenceNumber, inclusive);

    /// <summary>Event Hubs treats enqueued-time positions as exclusive: records enqueued strictly after the time.</summary>
    public static LogPosition FromEnqueuedTime(DateTimeOffset time) => new(LogPositionKind.EnqueuedTime, time.ToUnixTimeMilliseconds(), false);
}

/// <summary>A record failed its checksum or framing check; the log never serves it as valid data.</summary>
public sealed class LogCorruptionException(string message) : IOException(message);

/// <summary>
/// An append was refused: a write or fsync of the log failed (a full disk, an I/O error), or the log
/// is still recovering from one. Nothing of the refused append is acknowledged or ever served.
/// </summary>
public sealed class PartitionLogFailedException(string message, Exception? innerException, bool outOfSpace) : IOException(message, innerException)
{
    /// <summary>The file system reported no space (ENOSPC, EDQUOT): appends resume once space is freed.</summary>
    public bool OutOfSpace { get; } = outOfSpace;
}

/// <summary>
/// Whether the log accepts appends now. When it does not, <see cref="Reason"/> says why and
/// <see cref="Since"/> when the failure began; the log keeps trying to recover on its own.
/// </summary>
public sealed record PartitionLogHealth(bool CanAppend, string? Reason, DateTimeOffset? Since, bool OutOfSpace)
{
    public static PartitionLogHealth Writable { get; } = new(true, null, null, false);
}
