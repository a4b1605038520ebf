using Orleans.Configuration;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Persistence.Sqlite.Hosting;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// Orleans' own Event Hubs stream provider (AddEventHubStreams, default data adapter) against the
/// emulator: delivery to an implicit subscriber, and resumption from the stored checkpoint after
/// the silo restarts, instead of re-reading the partition from its start.
/// </summary>
public sealed class EventHubStreamsTests
{
    public const string Namespace = "checkpoint-test";
    private const string Provider = "eh";
    private const string Key = "Y2hlY2twb2ludC10ZXN0LWtleS0wMTIzNDU2Nzg5";

    [Fact]
    public async Task ImplicitSubscriber_SiloRestarted_ResumesFromCheckpointNotFromStart()
    {
        using var data = new TempDirectory();
        var options = new EmulatorOptions { Port = 0, DataDirectory = Path.Combine(data.Path, "eventhubs") };
        options.Hubs["orleans"] = new EventHubDefinition { PartitionCount = 2 };
        options.SharedAccessKeys["RootManageSharedAccessKey"] = Key;
        await using var emulator = new EventHubsEmulatorServer(options);
        await emulator.StartAsync();
        var run = Guid.NewGuid().ToString("N");

        var first = await StartClusterAsync(data.Path, emulator);
        await ProduceAsync(first, run, "before", 20);
        var beforeRestart = await ReceivedEvents.WaitAsync(run, static r => r.Count >= 20, TimeSpan.FromSeconds(60));
        // A graceful stop flushes every partition's checkpoint.
        await first.StopAllSilosAsync();
        await first.DisposeAsync();

        await using var second = await StartClusterAsync(data.Path, emulator);
        await ProduceAsync(second, run, "after", 10);
        var all = await ReceivedEvents.WaitAsync(run, static r => r.Count(static e => e.StartsWith("after", StringComparison.Ordinal)) >= 10, TimeSpan.FromSeconds(60));

        Assert.Equal(Enumerable.Range(0, 20).Select(static i => $"before-{i}"), beforeRestart.Take(20));
        Assert.Equal(Enumerable.Range(0, 10).Select(static i => $"after-{i}"), all.Where(static e => e.StartsWith("after", StringComparison.Ordinal)));
        // From the start of the partition the 20 earlier events would arrive again; from the
        // checkpoint (inclusive of the last delivered offset) at most one does.
        Assert.True(all.Count(static e => e.StartsWith("before", StringComparison.Ordinal)) <= 21, $"events re-delivered after restart: {all.Count - 30}");
    }

    private static async Task ProduceAsync(InProcessTestCluster cluster, string run, string prefix, int count)
    {
        var stream = cluster.Client.GetStreamProvider(Provider).GetStream<string>(StreamId.Create(Namespace, run));
        for (var i = 0; i < count; i++)
        {
            await stream.OnNextAsync($"{prefix}-{i}");
        }
    }

    private static async Task<InProcessTestCluster> StartClusterAsync(string dataDirectory, EventHubsEmulatorServer emulator)
    {
        var builder = new InProcessTestClusterBuilder(1);
        // Checkpoints are keyed by ServiceId: a fixed one lets the restarted silo find them.
        builder.Options.ServiceId = "eventhub-streams-test";
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddSqliteGrainStorage("PubSubStore", sqlite => sqlite.DatabasePath = Path.Combine(dataDirectory, "grains.db"));
            silo.AddEventHubStreams(Provider, configurator =>
            {
                configurator.ConfigureEventHub(ob => ob.Configure(o => o.ConfigureEventHubConnection(emulator.ConnectionString(), "orleans", "$Default")));
                configurator.ConfigurePartitionReceiver(ob => ob.Configure(static o => o.StartFromNow = false));
                configurator.UseGrainCheckpointer();
            });
        });
        builder.ConfigureClient(client => client.AddEventHubStreams(Provider, configurator =>
            configurator.ConfigureEventHub(ob => ob.Configure(o => o.ConfigureEventHubConnection(emulator.ConnectionString(), "orleans", "$Default")))));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
