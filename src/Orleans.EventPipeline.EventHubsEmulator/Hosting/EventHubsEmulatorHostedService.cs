using Microsoft.Extensions.Hosting;

namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>Runs the emulator for the lifetime of a Generic Host.</summary>
internal sealed class EventHubsEmulatorHostedService(EventHubsEmulatorServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
