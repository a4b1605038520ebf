using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Producing;

internal sealed partial class PublisherLink
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a {Size}-byte message to {Entity}: the limit is {Limit} bytes")]
    private static partial void LogTooLarge(ILogger logger, string entity, long size, long limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a malformed message to {Entity}: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string entity, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Taking transfers from {Entity} failed")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception, string entity);
}
