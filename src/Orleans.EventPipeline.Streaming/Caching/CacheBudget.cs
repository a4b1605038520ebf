namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// The bytes this silo's receiver caches hold together, against <see cref="StreamCacheOptions.MaxBytes"/>.
/// Each partition's eviction reports the cache blocks it holds before and after it purges, and its
/// <see cref="CachedEventData"/> the messages it keeps outside them as they come and go; the blocks come from one
/// pool per silo, which keeps only a few of those given back (<see cref="BoundedBlockPool"/>).
/// </summary>
internal sealed class CacheBudget(long maxBytes)
{
    private long _held;

    public long MaxBytes { get; } = maxBytes;

    /// <summary>Bytes the caches hold, as last reported.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Bytes above the budget, 0 when under it.</summary>
    public long Excess => Math.Max(0, Held - MaxBytes);

    /// <summary>Replaces one partition's last report (<paramref name="reported"/>) with <paramref name="now"/>.</summary>
    public void Report(ref long reported, long now)
    {
        Interlocked.Add(ref _held, now - reported);
        reported = now;
    }
}
