namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// Memory budgets of the in-cluster derived streams (the <c>Pipeline:DerivedStreams</c> section): what their
/// queues hold before the pulling agents take it, and what the agents' caches hold after. Both stop
/// taking more when full rather than drop anything: a full queue refuses the publisher, whose own stream
/// delivery is then retried, and a cache that has to keep a message a subscriber has not taken reads no
/// more from its queue.
/// </summary>
public sealed class DerivedStreamOptions
{
    /// <summary>
    /// Most payload bytes one derived queue holds, 8 MiB by default: with Orleans' 8 queues, 64 MiB for the
    /// cluster, about 2 s of 50,000 normalized events/s of ~650 serialized bytes. A publish that would go
    /// over it fails with <see cref="DerivedQueueFullException"/>.
    /// </summary>
    public long MaxQueueBytes { get; set; } = 8L << 20;

    /// <summary>
    /// Most bytes this silo's derived caches hold together, 32 MiB by default. Above it each queue's cache
    /// purges messages every subscriber has taken, oldest first; a cache that must keep untaken ones reads
    /// nothing new until they are taken. Kept in <see cref="BlockBytes"/> blocks, so at least <see cref="LeastMaxCacheBytes"/>.
    /// </summary>
    public long MaxCacheBytes { get; set; } = 32L << 20;

    /// <summary>Size of one cache block, 1 MiB, and so the largest serialized message a derived stream takes.</summary>
    public const int BlockBytes = 1 << 20;

    /// <summary>Smallest allowed <see cref="MaxCacheBytes"/>: 16 MiB, sixteen blocks.</summary>
    public const long LeastMaxCacheBytes = 16L * BlockBytes;

    /// <summary>Smallest allowed <see cref="MaxQueueBytes"/>: one block, so a queue takes any message the cache takes.</summary>
    public const long LeastMaxQueueBytes = BlockBytes;
}
