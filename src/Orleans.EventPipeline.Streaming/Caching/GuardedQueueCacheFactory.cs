using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// Orleans' Event Hubs cache factory, except that each partition's cache evicts through a
/// <see cref="GuardedEvictionStrategy"/> bound to the partition's <see cref="PurgeGuard"/>, and keeps the pipeline's
/// messages as read (<see cref="CachedEventData"/>) rather than copied into its blocks.
/// </summary>
internal sealed class GuardedQueueCacheFactory(
    string providerName,
    PurgeGuards guards,
    EventHubStreamCachePressureOptions cacheOptions,
    StreamCacheEvictionOptions evictionOptions,
    StreamStatisticOptions statisticOptions,
    IEventHubDataAdapter dataAdapter,
    EventHubMonitorAggregationDimensions sharedDimensions,
    OrleansInstruments instruments)
    : EventHubQueueCacheFactory(cacheOptions, evictionOptions, statisticOptions, dataAdapter, sharedDimensions, instruments)
{
    /// <summary>Orleans' own read size per partition (its receiver's internal MaxMessagesPerRead).</summary>
    private const int MaxMessagesPerRead = 1000;

    /// <summary>Orleans' cache block size for Event Hubs partitions.</summary>
    private const int BlockBytes = 1 << 20;

    private static readonly string BlockPoolId = $"BlockPool-BlockSize-{BlockBytes}";

    // One pool for all partitions of the provider, as Orleans' own.
    private BoundedBlockPool? _blocks;

    /// <summary>Orleans' pool, except that it keeps at most <see cref="BoundedBlockPool.MaxFreeBlocks"/> free blocks.</summary>
    protected override IObjectPool<FixedSizeBuffer> CreateBufferPool(
        StreamStatisticOptions statisticOptions, ILoggerFactory loggerFactory, EventHubMonitorAggregationDimensions sharedDimensions, out string blockPoolId)
    {
        blockPoolId = BlockPoolId;
        return LazyInitializer.EnsureInitialized(ref _blocks, () => new BoundedBlockPool(
            BlockBytes, new ObjectPoolMonitorBridge(BlockPoolMonitorFactory(new EventHubBlockPoolMonitorDimensions(sharedDimensions, BlockPoolId), loggerFactory), BlockBytes)));
    }

    protected override IEventHubQueueCache CreateCache(
        string partition,
        IEventHubDataAdapter dataAdatper,
        StreamStatisticOptions statisticOptions,
        StreamCacheEvictionOptions streamCacheEvictionOptions,
        IStreamQueueCheckpointer<string> checkpointer,
        ILoggerFactory loggerFactory,
        IObjectPool<FixedSizeBuffer> bufferPool,
        string blockPoolId,
        TimePurgePredicate timePurge,
        EventHubMonitorAggregationDimensions sharedDimensions)
    {
        var monitor = CacheMonitorFactory(new EventHubCacheMonitorDimensions(sharedDimensions, partition, blockPoolId), loggerFactory);
        var logger = loggerFactory.CreateLogger($"{typeof(EventHubQueueCache).FullName}.{sharedDimensions.EventHubPath}.{partition}");
        var held = new CachedEventData(guards.Budget);
        var eviction = new GuardedEvictionStrategy(guards.For(providerName, partition), guards.Budget, logger, timePurge, monitor, statisticOptions.StatisticMonitorWriteInterval, held);
        var adapter = dataAdatper is PipelineEventHubDataAdapter pipeline ? pipeline.ForCache(held) : dataAdatper;
        var cache = new EventHubQueueCache(
            partition, MaxMessagesPerRead, bufferPool, adapter, eviction, checkpointer, logger, monitor,
            statisticOptions.StatisticMonitorWriteInterval, streamCacheEvictionOptions.MetadataMinTimeInCache);
        // Orleans' SignalPurge forgets the block it fills once a purge empties the cache.
        eviction.PurgeThrough(cache.SignalPurge);
        return cache;
    }
}
