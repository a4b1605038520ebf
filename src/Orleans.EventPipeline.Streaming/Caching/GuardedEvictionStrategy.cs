using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// Orleans' age-based eviction of a partition's cache, except that a message goes only once the
/// partition's <see cref="PurgeGuard"/> lets it: no live cursor still needs it.
/// </summary>
internal sealed class GuardedEvictionStrategy(PurgeGuard guard, ILogger logger, TimePurgePredicate timePurge, ICacheMonitor? cacheMonitor, TimeSpan? monitorWriteInterval)
    : ChronologicalEvictionStrategy(logger, timePurge, cacheMonitor, monitorWriteInterval), IEvictionStrategy
{
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

    void IEvictionStrategy.PerformPurge(DateTime utcNow)
    {
        guard.BeginPurge();
        PerformPurge(utcNow);
        guard.EndPurge();
    }

    protected override bool ShouldPurge(ref CachedMessage cachedMessage, ref CachedMessage newestCachedMessage, DateTime nowUtc) =>
        base.ShouldPurge(ref cachedMessage, ref newestCachedMessage, nowUtc) && guard.MayPurge(cachedMessage);
}
