using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Client.Diagnostics;

internal static partial class ClientLog
{
    [LoggerMessage(1, LogLevel.Information, "Spool {Directory}: {Batches} batches ({Events} events, {Bytes} bytes) to send first")]
    public static partial void Recovered(ILogger logger, string directory, int batches, int events, long bytes);

    [LoggerMessage(2, LogLevel.Warning, "Spool segment {Segment} is unreadable from byte {Offset}: {Reason}; {BytesLost} bytes left out")]
    public static partial void Damaged(ILogger logger, string segment, long offset, string reason, long bytesLost);

    [LoggerMessage(3, LogLevel.Warning, "Batch {Key} ({Events} events) not delivered yet: {Reason}")]
    public static partial void Retrying(ILogger logger, string key, int events, string reason);

    [LoggerMessage(4, LogLevel.Error, "Batch {Key} ({Events} events) refused with {Status}, not retried, removed from the spool: {Detail}")]
    public static partial void Refused(ILogger logger, string key, int events, int status, string detail);

    [LoggerMessage(5, LogLevel.Warning, "Batch {Key}: {Rejected} of its {Events} events rejected by the gateway, the first: {Reason}")]
    public static partial void Rejected(ILogger logger, string key, int rejected, int events, string reason);

    [LoggerMessage(6, LogLevel.Error, "A handler of {Event} threw; the batch is done regardless")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string @event);

    [LoggerMessage(7, LogLevel.Error, "Spooled batch {Sequence} changed on disk ({Reason}); its {Events} events are not sent")]
    public static partial void Unreadable(ILogger logger, long sequence, string reason, int events);

    [LoggerMessage(9, LogLevel.Warning, "Spool {Directory}: the disk is full ({Reason}); the events stay in memory and their sources wait, retried every {Retry} while the sender frees acknowledged space")]
    public static partial void DiskFull(ILogger logger, string directory, string reason, TimeSpan retry);

    [LoggerMessage(10, LogLevel.Information, "Spool {Directory}: room on the disk again after {Duration}")]
    public static partial void DiskRoom(ILogger logger, string directory, TimeSpan duration);

    [LoggerMessage(11, LogLevel.Warning, "Spool {Directory}: batch {Sequence} acknowledged, but its head cannot be written ({Reason}); retried every {Retry}")]
    public static partial void HeadNotWritten(ILogger logger, string directory, long sequence, string reason, TimeSpan retry);

    [LoggerMessage(12, LogLevel.Warning, "Batch {Key} ({Events} events, {Bytes} bytes) is over the gateway's body limit (413): sent as two batches of {First} and {Second} events")]
    public static partial void Splitting(ILogger logger, string key, int events, int bytes, int first, int second);

    [LoggerMessage(13, LogLevel.Warning, "Spool file {File} ({Bytes} bytes of damaged records kept for inspection) deleted: .damaged files count in MaxSpoolBytes and are kept to {Limit} bytes, half of it less the 128 KiB kept for the reserve and a split record, the oldest deleted first")]
    public static partial void DamagedDeleted(ILogger logger, string file, long bytes, long limit);

    [LoggerMessage(14, LogLevel.Warning, "Batch {Key}: its split could not be recorded in the spool ({Reason}); its halves are sent all the same. Should the process stop before they are done, it is sent whole at the next start: with the gateway's body limit raised meanwhile, the halves already stored would be stored again")]
    public static partial void SplitNotRecorded(ILogger logger, string key, string reason);

    [LoggerMessage(8, LogLevel.Error, "Sending failed with an unexpected error; the batch stays spooled and is tried again in {Retry}")]
    public static partial void SenderFailed(ILogger logger, Exception exception, TimeSpan retry);
}
