namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// How long a receiver keeps a partition's messages in memory (the <c>Pipeline:StreamCache</c> section).
/// Messages a subscriber has not taken yet stay regardless (<see cref="PurgeGuard"/>); these bound what
/// is kept for subscribers that are up to date, and so the silo's memory.
/// </summary>
public sealed class StreamCacheOptions
{
    /// <summary>
    /// How long a message stays in a receiver's cache at least, 30 s by default. Orleans checkpoints a
    /// partition at the last purged message; a subscriber that buffers what it received holds that
    /// checkpoint until it has written it, however long that takes.
    /// </summary>
    public TimeSpan MinTimeInCache { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Age, relative to the newest message, past which delivered messages are purged, 45 s by default.
    /// Orleans' default (30 minutes) keeps half an hour of a partition in memory: at 25 MB/s that is 45 GB
    /// and the silo's memory grows until then (measured: +36 MB/s at 50,000 events/s); 45 s bounds the
    /// cache near 1.1 GB at that rate. A subscriber further behind than this stops its partition's reading
    /// until it catches up.
    /// </summary>
    public TimeSpan MaxRelativeAge { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Longest allowed <see cref="MaxRelativeAge"/> and <see cref="MinTimeInCache"/>: 30 minutes, Orleans' own default.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromMinutes(30);
}
