using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streaming.Delivery;
using Orleans.Runtime;
using Orleans.Statistics;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Orleans' Event Hubs adapter factory with the pipeline's <see cref="PipelineStreamFailureHandler"/>
/// instead of Orleans' default, which ignores failures silently, receivers that end a read cancelled by
/// a stop quietly (<see cref="StopAwareReceiver"/>), and receiver caches that purge no message a cursor
/// still needs (<see cref="PurgeGuard"/>).
/// </summary>
public sealed class PipelineEventHubAdapterFactory(
    string name,
    EventHubOptions ehOptions,
    EventHubReceiverOptions receiverOptions,
    EventHubStreamCachePressureOptions cacheOptions,
    StreamCacheEvictionOptions cacheEvictionOptions,
    StreamStatisticOptions statisticOptions,
    IEventHubDataAdapter dataAdapter,
    IServiceProvider serviceProvider,
    ILoggerFactory loggerFactory,
    IEnvironmentStatisticsProvider environmentStatisticsProvider)
    : EventHubAdapterFactory(name, ehOptions, receiverOptions, cacheOptions, cacheEvictionOptions, statisticOptions, dataAdapter, serviceProvider, loggerFactory, environmentStatisticsProvider),
    IQueueAdapter,
    IQueueAdapterCache
{
    private readonly StreamCacheEvictionOptions _eviction = cacheEvictionOptions;
    private readonly StreamStatisticOptions _statistics = statisticOptions;

    // Re-implements the interface member, which the base does not make virtual; the pulling agents create
    // their receivers through IQueueAdapter (the factory is its own adapter).
    IQueueAdapterReceiver IQueueAdapter.CreateReceiver(QueueId queueId) => new StopAwareReceiver(CreateReceiver(queueId));

    // Re-implemented like CreateReceiver: the agent reads through the cache the factory (its own adapter
    // cache) hands out, and the purge guard must see every cursor of it.
    IQueueCache IQueueAdapterCache.CreateQueueCache(QueueId queueId)
    {
        var partition = ((HashRingBasedPartitionedStreamQueueMapper)GetStreamQueueMapper()).QueueToPartition(queueId);
        return new TrackingQueueCache(CreateQueueCache(queueId), Guards.For(Name, partition), this.logger);
    }

    protected override IEventHubQueueCacheFactory CreateCacheFactory(EventHubStreamCachePressureOptions eventHubCacheOptions) =>
        new GuardedQueueCacheFactory(
            Name, Guards, eventHubCacheOptions, _eviction, _statistics, this.dataAdapter,
            // The hub's name is internal to Orleans' options; the metrics are tagged with the provider's.
            new EventHubMonitorAggregationDimensions(Name), this.serviceProvider.GetRequiredService<OrleansInstruments>());

    private PurgeGuards Guards => this.serviceProvider.GetRequiredService<PurgeGuards>();

    public override void Init()
    {
        var handler = Task.FromResult<IStreamFailureHandler>(new PipelineStreamFailureHandler(this.serviceProvider.GetRequiredService<ILogger<PipelineStreamFailureHandler>>()));
        StreamFailureHandlerFactory = _ => handler;
        base.Init();
    }

    /// <summary>Builds the factory from the provider's named options, as <see cref="EventHubAdapterFactory.Create"/> does.</summary>
    public static new PipelineEventHubAdapterFactory Create(IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        var dataAdapter = services.GetKeyedService<IEventHubDataAdapter>(name)
            ?? services.GetService<IEventHubDataAdapter>()
            ?? ActivatorUtilities.CreateInstance<PipelineEventHubDataAdapter>(services);
        var factory = ActivatorUtilities.CreateInstance<PipelineEventHubAdapterFactory>(
            services,
            name,
            services.GetOptionsByName<EventHubOptions>(name),
            services.GetOptionsByName<EventHubReceiverOptions>(name),
            services.GetOptionsByName<EventHubStreamCachePressureOptions>(name),
            services.GetOptionsByName<StreamCacheEvictionOptions>(name),
            services.GetOptionsByName<StreamStatisticOptions>(name),
            dataAdapter);
        factory.Init();
        return factory;
    }
}
