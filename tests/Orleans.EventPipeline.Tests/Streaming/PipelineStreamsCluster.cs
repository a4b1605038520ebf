using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Persistence.Sqlite.Hosting;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streaming.Hosting;
using Orleans.EventPipeline.Streams;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// The pipeline's stream provider (<c>AddPipelineStreams</c>) in an in-process cluster of one silo, reading
/// the hub <see cref="HubName"/> of an emulator under the test's data directory; the client writes to it
/// with Orleans' own provider.
/// </summary>
internal static class PipelineStreamsCluster
{
    public const string HubName = "events";
    private const string KeyName = "RootManageSharedAccessKey";
    private const string Key = "cGlwZWxpbmUtc3RyZWFtcy1jbHVzdGVyLWtleS0wMTI=";

    public static async Task<EventHubsEmulatorServer> StartEmulatorAsync(string dataDirectory, int partitionCount)
    {
        var options = new EmulatorOptions { Port = 0, DataDirectory = Path.Combine(dataDirectory, "eventhubs") };
        options.Hubs[HubName] = new EventHubDefinition { PartitionCount = partitionCount };
        options.SharedAccessKeys[KeyName] = Key;
        var emulator = new EventHubsEmulatorServer(options);
        await emulator.StartAsync();
        return emulator;
    }

    /// <param name="configure">The test's own silo settings, applied after the provider's.</param>
    public static async Task<InProcessTestCluster> StartAsync(string serviceId, string dataDirectory, EventHubsEmulatorServer emulator, StreamCacheOptions cache, Action<ISiloBuilder> configure)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddSqliteGrainStorage("PubSubStore", sqlite => sqlite.DatabasePath = Path.Combine(dataDirectory, "grains.db"));
            silo.AddPipelineStreams(
                cache,
                (eventHub, _) => eventHub.ConfigureEventHubConnection(emulator.ConnectionString(), HubName, "$Default"),
                static configurator => configurator.UseGrainCheckpointer());
            configure(silo);
        });
        builder.ConfigureClient(client => client.AddEventHubStreams(PipelineStreams.ProviderName, configurator =>
            configurator.ConfigureEventHub(ob => ob.Configure(o => o.ConfigureEventHubConnection(emulator.ConnectionString(), HubName, "$Default")))));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
