using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Testing;

// The local cluster of docs/DEPLOY.md as Aspire resources, with the settings the plain launcher gives
// (LocalClusterLayout and the shared launcher's Arguments): Azurite, the standalone Event Hubs emulator,
// one gateway and the processors in azure mode on loopback. Every port is picked here and given to the
// process as is (not proxied): a silo advertises its own silo port to the others, so it must be the real one.
// Aspire.Hosting.Orleans is not used: it configures Orleans' own Orleans:Clustering/Streaming sections,
// while the silo builds its Table clustering from Pipeline:Azure:StorageConnectionString.
var builder = DistributedApplication.CreateBuilder(args);
var httpPort = builder.Configuration.GetValue("GatewayHttpPort", LocalClusterLayout.DefaultHttpPort);
var processors = builder.Configuration.GetValue("Processors", LocalClusterLayout.DefaultProcessors);
var partitions = builder.Configuration.GetValue("Partitions", LocalClusterLayout.DefaultPartitions);
var adminKey = builder.Configuration.GetValue("AdminKey", LocalClusterLayout.DefaultAdminKey)!;
var data = Directory.CreateDirectory(builder.Configuration.GetValue<string>("DataDirectory") is { Length: > 0 } kept
    ? Path.GetFullPath(kept)
    : Path.Combine(Path.GetTempPath(), "eventpipeline-apphost", Guid.NewGuid().ToString("N"))).FullName;

var storagePorts = FreeTcpPorts.Pick(3);
var azurite = builder.AddExecutable("azurite", "node", data, [.. AzuriteNode.Arguments(Path.Combine(data, "azurite"), storagePorts)])
    .WithEndpoint(storagePorts[0], storagePorts[0], "http", "blob", isProxied: false)
    .WithEndpoint(storagePorts[1], storagePorts[1], "http", "queue", isProxied: false)
    .WithEndpoint(storagePorts[2], storagePorts[2], "http", "table", isProxied: false)
    .WithHealthCheck(Listens(builder, "azurite", storagePorts));

var eventHubsPort = FreeTcpPorts.Pick(1)[0];
var eventHubs = builder.AddProject<Projects.Orleans_EventPipeline_EventHubsEmulator_Host>("eventhubs", static project => project.ExcludeLaunchProfile = true)
    .WithEndpoint(eventHubsPort, eventHubsPort, "tcp", "amqp", isProxied: false)
    .WithArgs([.. EmulatorNode.Arguments(eventHubsPort, Path.Combine(data, "eventhubs"), partitions)])
    .WithHealthCheck(Listens(builder, "eventhubs", [eventHubsPort]));

var services = new AzureServices(AzuriteNode.ConnectionStringFor(storagePorts), EmulatorNode.ConnectionStringFor(eventHubsPort), LocalClusterLayout.ClusterId);
Silo(LocalClusterLayout.Gateway, "gateway", httpPort == 0 ? null : httpPort);
for (var i = 1; i <= processors; i++)
{
    Silo(LocalClusterLayout.Processor(i), "processor", null);
}

builder.Build().Run();

void Silo(string name, string role, int? fixedHttpPort)
{
    var ports = FreeTcpPorts.Pick(4);
    var http = fixedHttpPort ?? ports[0];
    // Aspire hands each project the dashboard's OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT), which the silo
    // exports to; the launch profile opens only its HTTP one (ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL).
    var layout = LocalClusterLayout.Silo(name, role, data, adminKey, services);
    var settings = layout with { Arguments = [.. layout.Arguments, "--Pipeline:Telemetry:OtlpProtocol=HttpProtobuf"] };
    builder.AddProject<Projects.Orleans_EventPipeline_Silo>(name, static project => project.ExcludeLaunchProfile = true)
        .WithHttpEndpoint(http, http, "http", isProxied: false)
        .WithArgs([.. SiloNode.Arguments(settings, new Uri($"http://127.0.0.1:{http.ToString(CultureInfo.InvariantCulture)}"), ports[1], ports[2], ports[3], eventHubsPort: 0)])
        .WithHttpHealthCheck("/readyz", endpointName: "http")
        .WaitFor(azurite)
        .WaitFor(eventHubs);
}

// Healthy once every port accepts connections (Azurite's and the emulator's own readiness in the launcher).
static string Listens(IDistributedApplicationBuilder builder, string resource, IReadOnlyList<int> ports)
{
    var check = resource + "-listens";
    builder.Services.AddHealthChecks().AddAsyncCheck(check, async () =>
    {
        foreach (var port in ports)
        {
            if (!await LoopbackProbe.AcceptsAsync(port))
            {
                return HealthCheckResult.Unhealthy($"nothing listens on 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} yet");
            }
        }

        return HealthCheckResult.Healthy();
    });
    return check;
}
