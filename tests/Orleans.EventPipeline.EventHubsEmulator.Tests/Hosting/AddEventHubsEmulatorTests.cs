using Azure.Messaging.EventHubs.Producer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Hosting;

public sealed class AddEventHubsEmulatorTests
{
    [Fact]
    public async Task AddEventHubsEmulator_BoundFromConfiguration_HostServesTheConfiguredHub()
    {
        using var data = new TempDirectory();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventHubsEmulator:Port"] = "0",
            ["EventHubsEmulator:DataDirectory"] = data.Path,
            ["EventHubsEmulator:Hubs:orders:PartitionCount"] = "2",
            ["EventHubsEmulator:SharedAccessKeys:RootManageSharedAccessKey"] = TestEmulator.Key,
        });
        builder.Services.AddEventHubsEmulator(builder.Configuration.GetSection(EmulatorOptions.SectionName));
        builder.Services.AddEventHubsEmulator(builder.Configuration.GetSection(EmulatorOptions.SectionName));

        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            EventHubsEmulatorServer server = host.Services.GetRequiredService<EventHubsEmulatorServer>();
            await using var producer = new EventHubProducerClient(server.ConnectionString("orders"));
            Assert.Equal(["0", "1"], await producer.GetPartitionIdsAsync());
            Assert.Single(host.Services.GetServices<IHostedService>());
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
