using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Hosting;
using Orleans.Streaming.EventHubs;

namespace Orleans.EventPipeline.Streaming.Hosting;

/// <summary>Registers the pipeline's Event Hubs stream provider with its open message format.</summary>
public static class PipelineStreamsExtensions
{
    /// <summary>
    /// Adds the <see cref="PipelineStreams.ProviderName"/> stream provider. Receivers start from the
    /// checkpoint, else from the earliest event: an acknowledged event written before a silo started
    /// must still reach the subscribers.
    /// </summary>
    /// <param name="configureConnection">Sets the Event Hubs connection; runs when the silo starts, after services such as an in-process emulator are up.</param>
    /// <param name="configureCheckpointer">Chooses where partition checkpoints are kept (grain storage locally, Azure Table in Azure).</param>
    public static ISiloBuilder AddPipelineStreams(
        this ISiloBuilder silo,
        Action<EventHubOptions, IServiceProvider> configureConnection,
        Action<ISiloEventHubStreamConfigurator> configureCheckpointer)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddEventHubStreams(PipelineStreams.ProviderName, configurator =>
        {
            configurator.ConfigureEventHub(builder => builder.Configure<IServiceProvider>((options, services) => configureConnection(options, services)));
            configurator.UseDataAdapter(static (services, _) => ActivatorUtilities.CreateInstance<PipelineEventHubDataAdapter>(services));
            configurator.ConfigurePartitionReceiver(static builder => builder.Configure(static options => options.StartFromNow = false));
            configureCheckpointer(configurator);
        });
        return silo;
    }
}
