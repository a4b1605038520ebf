using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Log;
using Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.Hosting;

public sealed class EmulatorStopTests
{
    [Fact]
    public async Task HostStopAsync_StopTokenAlreadyCanceled_StopsWithoutThrowingAndClosesTheLogs()
    {
        using var data = new TempDirectory();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventHubsEmulator(options =>
        {
            options.Port = 0;
            options.DataDirectory = data.Path;
            options.Hubs[TestEmulator.Hub] = new EventHubDefinition { PartitionCount = 2 };
            options.SharedAccessKeys[TestEmulator.KeyName] = TestEmulator.Key;
        });
        using IHost host = builder.Build();
        await host.StartAsync();

        // What a host does once its shutdown timeout ran out before the emulator's turn to stop.
        await host.StopAsync(new CancellationToken(canceled: true));

        Assert.Empty(host.Services.GetRequiredService<EventHubsEmulatorServer>().PartitionHealth);
        // Each partition's lock is released: the logs are closed.
        await using PartitionLog reopened = await PartitionLog.OpenAsync(Path.Combine(data.Path, TestEmulator.Hub, "1"));
    }
}
