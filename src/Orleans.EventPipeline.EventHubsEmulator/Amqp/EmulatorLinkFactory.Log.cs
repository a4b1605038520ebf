using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

internal sealed partial class EmulatorLinkFactory
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Producer attached to {Address}")]
    private static partial void LogProducerAttached(ILogger logger, string address);
}
