using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Producing;

internal sealed partial class PendingAppends
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Appending to {Entity} failed; the transfers were rejected")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string entity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused transfers to {Entity}: {Reason}; nothing of them was stored")]
    private static partial void LogAppendRefused(ILogger logger, string entity, string reason);
}
