using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// Orleans' age-based eviction of a partition's cache, plus the silo's byte budget (<see cref="CacheBudget"/>),
/// except that a message goes only once the partition's <see cref="PurgeGuard"/> lets it: no live cursor
/// still needs it. A purged message's body held outside the blocks (<see cref="CachedEventData"/>) goes with it.
/// </summary>
internal sealed class GuardedEvictionStrategy(
    PurgeGuard guard, CacheBudget budget, ILogger logger, TimePurgePredicate timePurge, ICacheMonitor? cacheMonitor, TimeSpan? monitorWriteInterval, CachedEventData? held = null)
    : ChronologicalEvictionStrategy(logger, timePurge, cacheMonitor, monitorWriteInterval), IEvictionStrategy
{
    private long _reported;
    private long _toFree;
    private bool _disposed;

    // Re-implemented: the base keeps the cache's getter private, and the guard reads its newest message.
    IPurgeObservable IEvictionStrategy.PurgeObservable
    {
        set
        {
            guard.Cache = value;
            PurgeObservable = value;
        }
    }

    // Re-implemented: Orleans' cache clears it when disposed (its receiver stopped or restarted), and what the cache
    // held then leaves the budget.
    Action<CachedMessage?, CachedMessage?>? IEvictionStrategy.OnPurged
    {
        get => OnPurged;
        set
        {
            OnPurged = value;
            if (value is null)
            {
                // Disposed: a purge the guard still has bound to this cache does nothing, and reports nothing back.
                _disposed = true;
                held?.Clear();
                budget.Report(ref _reported, 0);
            }
        }
    }

    /// <summary>
    /// The guard's own purges (a held partition reads nothing, so Orleans would not purge) go through
    /// <paramref name="cachePurge"/>, the cache's purge, not this strategy's: a purge that empties the cache gives every
    /// block back to the pool, the one being filled too, and only the cache can stop writing into it. Purged through
    /// the strategy alone, the cache went on filling a block the pool could hand to another partition's cache.
    /// </summary>
    public void PurgeThrough(Action cachePurge) => guard.Purge = _ => cachePurge();

    // Re-implemented: a block taken from the pool counts against the budget at once, not at the next purge.
    void IEvictionStrategy.OnBlockAllocated(FixedSizeBuffer newBlock)
    {
        OnBlockAllocated(newBlock);
        budget.Report(ref _reported, _reported + newBlock.SizeInByte);
    }

    void IEvictionStrategy.PerformPurge(DateTime utcNow)
    {
        if (_disposed)
        {
            return;
        }

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

        // True purges it at once (Orleans removes the oldest message right after), so its body goes now.
        _toFree -= cachedMessage.Segment.Count + (held?.Remove(cachedMessage.SequenceNumber) ?? 0);
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
