using System.Diagnostics.Metrics;
using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streaming.Checkpointing;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Hosting;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Hosting;

/// <summary>
/// Registers the pipeline's Event Hubs stream provider with its open message format, its quarantine for
/// messages it cannot decode, and delivery that is retried until the subscriber takes the message.
/// </summary>
public static class PipelineStreamsExtensions
{
    /// <summary>
    /// How long Orleans' pulling agent retries delivering one message to a subscriber before it calls the
    /// failure handler and moves on to the next: never. Orleans' default (1 minute) skips the message
    /// for good — a tenant's batch whose processing failed for a minute (an archive store outage) was
    /// lost, and the checkpoint passed it. Retries back off from 1 s to 30 s (Orleans' delivery backoff).
    /// </summary>
    public static readonly TimeSpan MaxEventDeliveryTime = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Subscriptions the pipeline's providers support: implicit ones only, the pipeline's own and those
    /// docs/EXTENDING.md describes. Orleans' default also keeps a pub-sub grain per stream for explicit
    /// subscribers, which the receivers consult (one activation and one stored record each) before a new
    /// stream's first delivery: one resident activation per tenant stream key that nobody used. An explicit
    /// subscription is refused by Orleans with a message naming this setting.
    /// </summary>
    public const StreamPubSubType PubSub = StreamPubSubType.ImplicitOnly;

    /// <summary>
    /// Adds the <see cref="PipelineStreams.ProviderName"/> stream provider. Receivers start from the
    /// checkpoint, else from the earliest event: an acknowledged event written before a silo started
    /// must still reach the subscribers.
    /// </summary>
    /// <param name="cache">How long receivers keep delivered messages (<c>Pipeline:StreamCache</c>).</param>
    /// <param name="configureConnection">Sets the Event Hubs connection; runs when the silo starts, after services such as an in-process emulator are up.</param>
    /// <param name="configure">
    /// The host's part, like the configurator of Orleans' <c>AddEventHubStreams</c>, applied after the
    /// pipeline's own settings: where partition checkpoints are kept (grain storage locally, Azure Table
    /// in Azure; required), and how partitions are balanced over silos and whether this silo reads any.
    /// </param>
    public static ISiloBuilder AddPipelineStreams(
        this ISiloBuilder silo,
        StreamCacheOptions cache,
        Action<EventHubOptions, IServiceProvider> configureConnection,
        Action<ISiloEventHubStreamConfigurator> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(configure);
        silo.Services.AddMetrics();
        silo.Services.AddSingleton(services =>
        {
            var guards = new PurgeGuards(cache, PurgeGuardWording.EventHubs, services.GetService<TimeProvider>() ?? TimeProvider.System, services.GetRequiredService<ILoggerFactory>());
            StreamCacheInstruments.ObserveBytes(services.GetRequiredService<IMeterFactory>(), StreamCacheInstruments.BytesName, guards.Budget);
            return guards;
        });
        silo.AddEventHubStreams(PipelineStreams.ProviderName, configurator =>
        {
            configurator.ConfigureEventHub(builder => builder.Configure<IServiceProvider>((options, services) => configureConnection(options, services)));
            configurator.UseDataAdapter(static (services, _) => ActivatorUtilities.CreateInstance<PipelineEventHubDataAdapter>(services));
            // Registered after AddEventHubStreams' own factory, so this one is resolved: it adds the failure handler.
            configurator.ConfigureComponent<IQueueAdapterFactory>(PipelineEventHubAdapterFactory.Create);
            // PostConfigure: whatever else configures the pulling agent, no message is given up on, and the
            // agent takes one message from a cursor per delivery: with more it moves the cursor past
            // messages it has not delivered yet, and the purge guard keeps only from the last one taken.
            configurator.ConfigurePullingAgent(static builder => builder.PostConfigure(static agent =>
            {
                agent.MaxEventDeliveryTime = MaxEventDeliveryTime;
                agent.BatchContainerBatchSize = 1;
            }));
            configurator.ConfigureStreamPubSub(PubSub);
            configurator.ConfigurePartitionReceiver(builder => builder.Configure(options =>
            {
                options.StartFromNow = false;
                options.PrefetchCount = cache.PrefetchCount;
            }));
            configurator.ConfigureCacheEviction(builder => builder.Configure(eviction =>
            {
                eviction.DataMinTimeInCache = cache.MinTimeInCache;
                eviction.DataMaxAgeInCache = cache.MaxRelativeAge;
            }));
            configure(configurator);
        });
        silo.AddCheckpointHolds(PipelineStreams.ProviderName);
        return silo;
    }
}
