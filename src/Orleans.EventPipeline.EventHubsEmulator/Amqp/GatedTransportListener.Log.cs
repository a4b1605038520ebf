using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

internal sealed partial class GatedTransportListener
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {RefusedCount} connection(s): the Event Hubs emulator already holds EventHubsEmulator:MaxConnections = {MaxConnections}; this warning repeats at most every {Interval}")]
    private static partial void LogConnectionsRefused(ILogger logger, long refusedCount, int maxConnections, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closed the connection from {RemoteEndPoint}: it did not complete the AMQP protocol header, SASL and open within EventHubsEmulator:OpenTimeout = {OpenTimeout}")]
    private static partial void LogOpenTimedOut(ILogger logger, string remoteEndPoint, TimeSpan openTimeout);
}
