namespace Orleans.EventPipeline.EventHubsEmulator.Log;

/// <summary>
/// One Event Hubs partition's durable log. Records are opaque payloads (the emulator stores each
/// event's encoded AMQP message verbatim); the log assigns sequence numbers (from 0), offsets
/// (increasing decimal integers) and the enqueued time.
/// </summary>
public interface IPartitionLog : IAsyncDisposable
{
    /// <summary>
    /// Appends <paramref name="payloads"/> as consecutive records. Completes only after the records
    /// are fsync'd; concurrent callers share one fsync (group commit). After an I/O error the task
    /// faults with <see cref="PartitionLogFailedException"/>, and so does every append until the log
    /// has recovered on its own (see <see cref="Health"/>); nothing of a faulted append is ever stored.
    /// The caller keeps ownership of the payload buffers; the log copies them before returning.
    /// </summary>
    ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default);

    /// <summary>Whether appends are accepted now, and if not why and since when.</summary>
    PartitionLogHealth Health { get; }

    /// <summary>A snapshot of the committed (fsync'd) state.</summary>
    PartitionLogInfo Info { get; }

    /// <summary>
    /// The sequence number of the first committed record at or after <paramref name="position"/>;
    /// <c>Info.LastSequenceNumber + 1</c> (the next one to be written) when no record matches yet.
    /// Uses the index, never a scan of the whole log.
    /// </summary>
    long Resolve(LogPosition position);

    /// <summary>
    /// Copies up to <paramref name="maxRecords"/> committed records starting at sequence number
    /// <paramref name="fromSequenceNumber"/> into <paramref name="destination"/> and returns how many.
    /// A record whose checksum does not match throws <see cref="LogCorruptionException"/>.
    /// </summary>
    ValueTask<int> ReadAsync(long fromSequenceNumber, int maxRecords, IList<LogRecord> destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// As the read above, each record's <see cref="LogRecord.Payload"/> being what <paramref name="copy"/> returns for
    /// its stored payload. The checksum is verified before <paramref name="copy"/> sees a record read from disk.
    /// </summary>
    ValueTask<int> ReadAsync(long fromSequenceNumber, int maxRecords, IList<LogRecord> destination, RecordCopy copy, CancellationToken cancellationToken = default);

    /// <summary>Completes once a record with sequence number &gt;= <paramref name="sequenceNumber"/> is committed.</summary>
    ValueTask WaitForRecordAsync(long sequenceNumber, CancellationToken cancellationToken = default);
}
