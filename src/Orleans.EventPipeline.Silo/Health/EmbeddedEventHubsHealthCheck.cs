using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>
/// Ready when the embedded Event Hubs emulator accepts AMQP connections and every partition accepts
/// appends. A partition whose disk filled (or failed) refuses appends until its log recovers on its
/// own; meanwhile ingest answers 503, so the silo says it is not ready, naming the partition and why.
/// </summary>
internal sealed class EmbeddedEventHubsHealthCheck(EventHubsEmulatorServer emulator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(emulator.Endpoint, cancellationToken);
        }
        catch (Exception exception) when (exception is SocketException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"Event Hubs emulator not reachable: {exception.Message}", exception);
        }

        var refusing = emulator.PartitionHealth.Where(static p => !p.Health.CanAppend).ToList();
        if (refusing.Count > 0)
        {
            return HealthCheckResult.Unhealthy(string.Join(
                " ",
                refusing.Select(static p => string.Create(
                    CultureInfo.InvariantCulture,
                    $"Partition {p.Path} refuses appends since {p.Health.Since:O}{(p.Health.OutOfSpace ? " (disk full)" : string.Empty)}: {p.Health.Reason}"))));
        }

        return HealthCheckResult.Healthy($"Event Hubs emulator listening on {emulator.Endpoint}; every partition accepts appends");
    }
}
