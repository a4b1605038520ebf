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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Receiver {Entity} sent sequence numbers {First} to {Last}; link credit {Before} before, {After} after")]
    private static partial void LogSent(ILogger logger, string entity, long first, long last, uint before, uint after);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Receiver {Entity} waits for the client's flow at sequence number {SequenceNumber}: {Reason}")]
    private static partial void LogWaitingForFlow(ILogger logger, string entity, long sequenceNumber, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Receiver {Entity} caught up: waits for sequence number {SequenceNumber} to be committed")]
    private static partial void LogCaughtUp(ILogger logger, string entity, long sequenceNumber);
}
