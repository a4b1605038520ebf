using Orleans.EventPipeline.Grains.Placement;
using Orleans.EventPipeline.Persistence.Sqlite.Hosting;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Tenants;

/// <summary>An in-process Orleans cluster whose tenant store is a SQLite file in <paramref name="dataDirectory"/>.</summary>
internal static class SqliteTestCluster
{
    public static async Task<InProcessTestCluster> StartAsync(string dataDirectory, string serviceId)
    {
        var builder = new InProcessTestClusterBuilder(1);
        // Grain state is keyed by ServiceId: fixing it lets a restarted cluster read what the first wrote.
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddSqliteGrainStorage(PipelineStorage.Tenants, options => options.DatabasePath = Path.Combine(dataDirectory, "grains.db"));
            // The tenant grain hands settings to the ingest grain, which opens the tenant's streams;
            // these tests do not produce, so in-memory streams stand in for Event Hubs.
            silo.AddMemoryStreams(Streams.PipelineStreams.ProviderName);
            silo.AddMemoryGrainStorage("PubSubStore");
            // As the silo host writes state: every value, defaults and nulls too.
            silo.WriteEveryStateValue();
            silo.AddTenantShardPlacement();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
