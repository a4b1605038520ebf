using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Consuming;

internal sealed partial class ConsumerLink
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Receiver attached to {Entity} from sequence number {SequenceNumber}")]
    private static partial void LogReceiverAttached(ILogger logger, string entity, long sequenceNumber);

    [LoggerMessage(Level = LogLevel.Error, Message = "Corrupt record in {Entity} at sequence number {SequenceNumber}; the receiver was detached and the record was not served")]
    private static partial void LogCorruptRecord(ILogger logger, Exception exception, string entity, long sequenceNumber);

    [LoggerMessage(Level = LogLevel.Error, Message = "Serving receiver {Entity} failed; the receiver was detached")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string entity);
}
