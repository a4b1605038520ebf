namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// Memory budgets of the in-cluster derived streams (the <c>Pipeline:DerivedStreams</c> section): what their
/// queues hold before the pulling agents take it, and what the agents' caches hold after. Neither drops
/// anything when full: a full queue makes its publisher wait (and after <see cref="EnqueueWait"/> refuses
/// it, so the stage before retries), and a cache that has to keep a message a subscriber has not taken
/// reads no more from its queue.
/// </summary>
public sealed class DerivedStreamOptions
{
    /// <summary>
    /// Most payload bytes one derived queue holds, 8 MiB by default: <see cref="QueuesPerGroup"/> queues
    /// for the ordered stream and as many for other namespaces make 64 MiB for the cluster; the ordered
    /// stream's 32 MiB is about 0.5 s of 50,000 events/s of ~1.3 KB serialized, five of the pulling
    /// agent's 100 ms reads.
    /// </summary>
    public long MaxQueueBytes { get; set; } = 8L << 20;

    /// <summary>
    /// Most bytes this silo's derived caches hold together, 32 MiB by default. Above it each queue's cache
    /// purges messages every subscriber has taken, oldest first; a cache that must keep untaken ones reads
    /// nothing new until they are taken. Kept in <see cref="BlockBytes"/> blocks, so at least <see cref="LeastMaxCacheBytes"/>.
    /// </summary>
    public long MaxCacheBytes { get; set; } = 32L << 20;

    /// <summary>Queues of each hop (namespace) of the derived streams, and of the other namespaces together (<see cref="DerivedQueueMapper"/>).</summary>
    public const int QueuesPerGroup = 4;

    /// <summary>
    /// How long a publish waits for room in a full queue before it is refused with
    /// <see cref="DerivedQueueFullException"/>: 5 s, well inside Orleans' 30 s grain-call timeout.
    /// </summary>
    public static readonly TimeSpan EnqueueWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the pulling agent's read of an empty queue waits for a message before it answers empty: 1 s, so
    /// an idle queue costs one grain call a second instead of one every agent tick (Orleans' 100 ms). An agent
    /// that stops ends its waiting read at once (<see cref="IDerivedQueueGrain.StopReading"/>).
    /// </summary>
    public static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a waiting read goes on taking messages after the first one came: 100 ms, Orleans' default agent tick,
    /// so a queue that empties between messages is read about as often as when the agent read it every tick. A
    /// message that finds the agent waiting is delivered 100 ms later (between 0 and a tick later before the wait).
    /// </summary>
    public static readonly TimeSpan ReadGather = TimeSpan.FromMilliseconds(100);

    /// <summary>Size of one cache block, 1 MiB, and so the largest serialized message a derived stream takes.</summary>
    public const int BlockBytes = 1 << 20;

    /// <summary>Smallest allowed <see cref="MaxCacheBytes"/>: 16 MiB, sixteen blocks.</summary>
    public const long LeastMaxCacheBytes = 16L * BlockBytes;

    /// <summary>Smallest allowed <see cref="MaxQueueBytes"/>: one block, so a queue takes any message the cache takes.</summary>
    public const long LeastMaxQueueBytes = BlockBytes;
}
