using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>Ready when the embedded Event Hubs emulator accepts AMQP connections.</summary>
internal sealed class EmbeddedEventHubsHealthCheck(EventHubsEmulatorServer emulator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(emulator.Endpoint, cancellationToken);
            return HealthCheckResult.Healthy($"Event Hubs emulator listening on {emulator.Endpoint}");
        }
        catch (Exception exception) when (exception is SocketException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"Event Hubs emulator not reachable: {exception.Message}", exception);
        }
    }
}
