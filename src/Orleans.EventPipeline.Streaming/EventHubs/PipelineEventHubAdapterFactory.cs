using System.Reflection;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
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
/// a stop quietly and wake the streams the agent left waiting (<see cref="GuardedReceiver"/>), and receiver caches that purge no message a cursor
/// still needs (<see cref="PurgeGuard"/>), and writes that the Event Hubs client never retries by itself
/// (<see cref="QueueMessageBatchAsync"/>).
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
    IQueueAdapterCache,
    IAsyncDisposable
{
    private readonly EventHubOptions _hub = ehOptions;
    private readonly StreamCacheEvictionOptions _eviction = cacheEvictionOptions;
    private readonly StreamStatisticOptions _statistics = statisticOptions;
    private EventHubProducerClient? _writer;
    private GroupCommitSender? _sender;

    /// <summary>
    /// Writes the message with a client that does not retry. The SDK's default retries a send whose answer
    /// did not come (3 times): when the first try was stored all the same — the hub died after its fsync,
    /// before its answer — the batch is stored twice under one attempt, and nothing tells the processor
    /// that the second copy repeats the first (one keyed batch, 100 events, archived twice in a 12-minute
    /// fault run). Without the SDK's retry the failure reaches the client as a 503, and its retry under the
    /// same Idempotency-Key is marked as possibly stored, which the processor deduplicates. Messages of
    /// one stream written while its previous send is in flight go together in the next (<see cref="GroupCommitSender"/>).
    /// </summary>
    public override Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        var message = ((IQueueDataAdapter<EventData>)this.dataAdapter).ToQueueMessage(streamId, events, token, requestContext);
        return _sender!.SendAsync(message, this.dataAdapter.GetPartitionKey(streamId));
    }

    /// <summary>Closes the writer's connection when the silo's container lets the factory go.</summary>
    public ValueTask DisposeAsync() => _writer?.DisposeAsync() ?? ValueTask.CompletedTask;

    protected override void InitEventHubClient()
    {
        // The base's client still reads the partition ids at start, with the SDK's retries.
        base.InitEventHubClient();
        // Orleans keeps the options' connection factory internal; it is the one the base's client used.
        var createConnection = typeof(EventHubOptions).GetProperty("CreateConnection", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(_hub) as EventHubOptions.CreateConnectionDelegate
            ?? throw new InvalidOperationException("EventHubOptions.CreateConnection was not found: this Orleans version builds its Event Hubs connection differently, and the pipeline's writer must be updated to it.");
        _writer = new EventHubProducerClient(createConnection(_hub.ConnectionOptions), new EventHubProducerClientOptions
        {
            ConnectionOptions = _hub.ConnectionOptions,
            RetryOptions = new EventHubsRetryOptions { MaximumRetries = 0 },
        });
        _sender = new GroupCommitSender(_writer);
    }

    // Re-implements the interface member, which the base does not make virtual; the pulling agents create
    // their receivers through IQueueAdapter (the factory is its own adapter).
    IQueueAdapterReceiver IQueueAdapter.CreateReceiver(QueueId queueId)
    {
        var guard = Guards.For(Name, PartitionOf(queueId));
        guard.StartWakes();
        return new GuardedReceiver(CreateReceiver(queueId), guard);
    }

    // Re-implemented like CreateReceiver: the agent reads through the cache the factory (its own adapter
    // cache) hands out, and the purge guard must see every cursor of it.
    IQueueCache IQueueAdapterCache.CreateQueueCache(QueueId queueId)
    {
        var partition = PartitionOf(queueId);
        StreamCacheInstruments.StartQuarantined(partition);
        return new TrackingQueueCache(CreateQueueCache(queueId), Guards.For(Name, partition), this.logger);
    }

    protected override IEventHubQueueCacheFactory CreateCacheFactory(EventHubStreamCachePressureOptions eventHubCacheOptions) =>
        new GuardedQueueCacheFactory(
            Name, Guards, eventHubCacheOptions, _eviction, _statistics, this.dataAdapter,
            // The hub's name is internal to Orleans' options; the metrics are tagged with the provider's.
            new EventHubMonitorAggregationDimensions(Name), this.serviceProvider.GetRequiredService<OrleansInstruments>());

    private string PartitionOf(QueueId queueId) => ((HashRingBasedPartitionedStreamQueueMapper)GetStreamQueueMapper()).QueueToPartition(queueId);

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
