using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Log;

public sealed partial class PartitionLog
{
    [LoggerMessage(1, LogLevel.Information, "Opened partition log {Directory}: {SegmentCount} segment(s), sequence numbers {BeginSequenceNumber}..{NextSequenceNumber} (exclusive), next offset {NextOffset}")]
    internal static partial void LogOpened(ILogger logger, string directory, int segmentCount, long beginSequenceNumber, long nextSequenceNumber, long nextOffset);

    [LoggerMessage(2, LogLevel.Warning, "Truncated a torn tail of segment {Path} at byte {ValidLength}, discarding {DiscardedBytes} bytes of an append that never completed (never acknowledged)")]
    internal static partial void LogTornTailTruncated(ILogger logger, string path, long validLength, long discardedBytes);

    [LoggerMessage(3, LogLevel.Error, "Segment {Path} holds damaged bytes {Start}..{End} followed by valid records; they are kept and reads of the records there fail with LogCorruptionException")]
    internal static partial void LogDamagedRecords(ILogger logger, string path, long start, long end);

    [LoggerMessage(4, LogLevel.Error, "Sealed segment {Path} is unreadable after byte {ValidLength} of {FileLength}; the bytes are kept for inspection and not served")]
    internal static partial void LogSealedSegmentTailUnreadable(ILogger logger, string path, long validLength, long fileLength);

    [LoggerMessage(5, LogLevel.Information, "Rebuilt the index of sealed segment {Path} by scanning it ({EntryCount} entries)")]
    internal static partial void LogIndexRebuilt(ILogger logger, string path, int entryCount);

    [LoggerMessage(6, LogLevel.Warning, "Deleted sealed segment {Path}: it held no valid record")]
    internal static partial void LogEmptySealedSegmentDeleted(ILogger logger, string path);

    [LoggerMessage(7, LogLevel.Debug, "Sealed segment {Path} at {Length} bytes; appending to {NewPath}")]
    internal static partial void LogSegmentRolled(ILogger logger, string path, long length, string newPath);

    [LoggerMessage(8, LogLevel.Information, "Retention deleted segment {Path} (records up to sequence number {LastSequenceNumber}) for {Reason}")]
    internal static partial void LogSegmentDeleted(ILogger logger, string path, long lastSequenceNumber, string reason);

    [LoggerMessage(9, LogLevel.Error, "Writing segment {Path} at byte {Position} failed; the partition log refuses appends and {Recovery}")]
    internal static partial void LogWriteFailed(ILogger logger, Exception exception, string path, long position, string recovery);

    [LoggerMessage(10, LogLevel.Warning, "Could not cut segment {Path} back to its committed {Length} bytes after a write failure; the next recovery attempt tries again")]
    internal static partial void LogTruncateAfterFailureFailed(ILogger logger, Exception exception, string path, long length);

    [LoggerMessage(11, LogLevel.Warning, "Retention of partition log {Directory} failed; it runs again after the next segment roll or retention interval, and a segment file it could not delete is deleted after the log is reopened")]
    internal static partial void LogRetentionFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(12, LogLevel.Debug, "Partition log {Directory} still refuses appends: a recovery attempt failed")]
    internal static partial void LogRecoveryFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(13, LogLevel.Warning, "Partition log {Directory} recovered from the write failure of {Since:O} and accepts appends again")]
    internal static partial void LogRecovered(ILogger logger, string directory, DateTimeOffset since);

    [LoggerMessage(14, LogLevel.Debug, "Partition log {Directory} let its tail cache's {Bytes} bytes go: no record for at least {Idle}")]
    internal static partial void LogTailCacheReleased(ILogger logger, string directory, long bytes, TimeSpan idle);
}
