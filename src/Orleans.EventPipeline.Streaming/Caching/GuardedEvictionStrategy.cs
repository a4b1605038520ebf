using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// Orleans' age-based eviction of a partition's cache, plus the silo's byte budget (<see cref="CacheBudget"/>),
/// except that a message goes only once the partition's <see cref="PurgeGuard"/> lets it: no live cursor
/// still needs it.
/// </summary>
internal sealed class GuardedEvictionStrategy(PurgeGuard guard, CacheBudget budget, ILogger logger, TimePurgePredicate timePurge, ICacheMonitor? cacheMonitor, TimeSpan? monitorWriteInterval)
    : ChronologicalEvictionStrategy(logger, timePurge, cacheMonitor, monitorWriteInterval), IEvictionStrategy
{
    private long _reported;
    private long _toFree;

    // Re-implemented: the base keeps the cache's getter private, and the guard reads its newest message.
    IPurgeObservable IEvictionStrategy.PurgeObservable
    {
        set
        {
            guard.Cache = value;
            PurgeObservable = value;
        }
    }

    public GuardedEvictionStrategy Bind()
    {
        guard.Purge = ((IEvictionStrategy)this).PerformPurge;
        return this;
    }

    // Re-implemented: a block taken from the pool counts against the budget at once, not at the next purge.
    void IEvictionStrategy.OnBlockAllocated(FixedSizeBuffer newBlock)
    {
        OnBlockAllocated(newBlock);
        budget.Report(ref _reported, _reported + newBlock.SizeInByte);
    }

    void IEvictionStrategy.PerformPurge(DateTime utcNow)
    {
        budget.Report(ref _reported, BlockBytes());
        // Every partition over the silo's budget purges its own delivered messages up to the whole excess:
        // the budget holds whichever partitions grew, at the price of purging more than needed at times
        // (a delivered message is kept only for a cursor that rewinds; a checkpoint hold, not the cache,
        // keeps what a subscriber still buffers).
        _toFree = budget.Excess;
        guard.BeginPurge();
        PerformPurge(utcNow);
        guard.EndPurge();
        budget.Report(ref _reported, BlockBytes());
    }

    protected override bool ShouldPurge(ref CachedMessage cachedMessage, ref CachedMessage newestCachedMessage, DateTime nowUtc)
    {
        var byAge = base.ShouldPurge(ref cachedMessage, ref newestCachedMessage, nowUtc);
        if (!byAge && _toFree <= 0)
        {
            return false;
        }

        if (!guard.MayPurge(cachedMessage))
        {
            return false;
        }

        _toFree -= cachedMessage.Segment.Count;
        return true;
    }

    private long BlockBytes()
    {
        long bytes = 0;
        foreach (var block in inUseBuffers)
        {
            bytes += block.SizeInByte;
        }

        return bytes;
    }
}
