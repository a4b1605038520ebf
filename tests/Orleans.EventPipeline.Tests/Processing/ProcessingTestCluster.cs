using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Streaming.Checkpointing;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streaming.Hosting;
using Orleans.Hosting;
using Orleans.EventPipeline.Streams;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// An in-process cluster (one silo unless told) for the pipeline's grains: memory streams stand in for Event Hubs
/// (their deliveries retried without a time limit, as on the pipeline's own provider), the derived streams are the
/// pipeline's own provider, grain state is in memory, and the archive is <paramref name="archiveRoot"/> (lookup files would be
/// read from beside it).
/// </summary>
internal static class ProcessingTestCluster
{
    /// <param name="configureSilo">The test's own silo settings, applied after the cluster's.</param>
    public static async Task<InProcessTestCluster> StartAsync(string archiveRoot, Action<ProcessingGrainOptions>? configure = null, short silos = 1, ArchiveOptions? archive = null, Action<ISiloBuilder>? configureSilo = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(PipelineStorage.Tenants);
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.AddTenantShardPlacement();
            silo.AddMemoryStreams(PipelineStreams.ProviderName, static streams => streams.ConfigurePullingAgent(static agent =>
                agent.Configure(static options => options.MaxEventDeliveryTime = PipelineStreamsExtensions.MaxEventDeliveryTime)));
            silo.AddDerivedStreams(PipelineStreams.DerivedProviderName, EventStreams.DerivedHops, static _ => { });
            silo.Services.AddSingleton<IArchiveStore>(new LocalDirectoryArchiveStore(archiveRoot));
            // Beside the archive, as a silo's is beside its archive in the data directory; no test of this cluster reads a lookup file.
            silo.Services.AddSingleton(new LookupDirectory(archiveRoot + "-lookups", "Pipeline:LookupDirectory"));
            // Memory streams have no checkpoint: the real holds service, which holds nothing for their tokens.
            silo.Services.AddSingleton<ArchiveBufferBudget>();
            silo.Services.AddSingleton<ReorderBufferBudget>();
            silo.Services.AddSingleton<HubPartitions>();
            silo.Services.AddSingleton<ICheckpointHolds, CheckpointHolds>();
            if (archive is not null)
            {
                silo.Services.AddSingleton(Options.Create(archive));
            }

            if (configure is not null)
            {
                silo.Services.Configure(configure);
            }

            configureSilo?.Invoke(silo);
        });
        builder.ConfigureClient(static client => client.AddMemoryStreams(PipelineStreams.ProviderName));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
