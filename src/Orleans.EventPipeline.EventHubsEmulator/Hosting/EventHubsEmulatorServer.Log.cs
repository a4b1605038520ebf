using System.Net;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

public sealed partial class EventHubsEmulatorServer
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Event Hubs emulator listening on {Endpoint} with {HubCount} hub(s), data in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, IPEndPoint endpoint, int hubCount, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing partition logs failed while the Event Hubs emulator stopped; the next start recovers them")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event Hubs emulator stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting a connection failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "A client connection failed to open")]
    private static partial void LogConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {Port}, free when picked, was taken before the emulator bound it (attempt {Attempt} of {Attempts}); picking another")]
    private static partial void LogPickedPortTaken(ILogger logger, int port, int attempt, int attempts);
}
