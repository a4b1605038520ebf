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

    /// <summary>
    /// Most bytes this silo's receiver caches hold together, 64 MiB by default: over a second of 100,000 events/s
    /// of 500 bytes, and messages a subscriber has not taken stay whatever the budget, so it bounds only what is kept
    /// after delivery. Measured against 128 MiB (docs/PERFORMANCE.md, "The
    /// receivers' cache budget halved"): peak resident memory 844-902 MiB against 955-1,096 at 100,000 events/s,
    /// 1,086-1,099 against 1,165-1,175 with the order stage at 50,000, no slower. Above it each partition purges
    /// its delivered messages oldest first, younger than the ages above or not; a partition that has to keep
    /// untaken ones reads nothing new until they are taken. The ages alone let the cache grow with the rate: 45 s
    /// at 25 MB/s is 1.1 GB. Messages are kept in 1 MiB blocks, and a partition that has read anything holds at
    /// least one, so the budget is at least <see cref="LeastMaxBytes"/>.
    /// </summary>
    public long MaxBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Messages each partition's Event Hubs receiver asks for ahead of the pulling agent's reads, 8 by default
    /// (the SDK's own default is 300). They sit in the client outside the cache's budget: a message is under 1 MiB,
    /// so this bounds a partition's prefetch to <see cref="PrefetchCount"/> MiB; 300 messages of 1,000 events of 500
    /// bytes are 150 MB per partition. 32 measured no slower than 300 at the standard peak and at batches of 1, and 8 no
    /// slower than 32 there and at batches of 10, with 18 % off the standard peak's resident memory (docs/PERFORMANCE.md);
    /// fewer make each read return less while the hub has more.
    /// </summary>
    public int PrefetchCount { get; set; } = 8;

    /// <summary>
    /// How long a message read for a stream whose cursor has caught up may wait for Orleans' pulling agent to
    /// start delivering it, 5 s by default; then the receiver wakes the stream itself and warns. The agent
    /// starts a caught-up cursor only when a read returns a message of its stream, within one read (100 ms);
    /// a wake-up it misses would leave the stream's last message undelivered until the stream's next one, and
    /// that next one would move the cursor past it. 5 s is 50 reads: a busy agent is late by far less.
    /// </summary>
    public TimeSpan WakeAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most messages a receiver may prefetch: 1,000, the most the pulling agent takes in one read.</summary>
    public const int MostPrefetchCount = 1_000;

    /// <summary>Smallest allowed <see cref="MaxBytes"/>: 16 MiB, sixteen of Orleans' 1 MiB cache blocks.</summary>
    public const long LeastMaxBytes = 16L << 20;

    /// <summary>Longest allowed <see cref="MaxRelativeAge"/>, <see cref="MinTimeInCache"/> and <see cref="WakeAfter"/>: 30 minutes, Orleans' own default cache age.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromMinutes(30);
}
