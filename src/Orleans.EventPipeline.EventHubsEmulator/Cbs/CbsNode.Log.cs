using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Cbs;

internal sealed partial class CbsNode
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a token for {Audience}: {Reason}")]
    private static partial void LogTokenRefused(ILogger logger, string audience, string reason);
}
