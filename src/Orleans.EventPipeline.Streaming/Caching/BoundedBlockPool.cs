using System.Collections.Concurrent;
using Orleans.Providers.Streams.Common;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// A pool of cache blocks that keeps at most <see cref="MaxFreeBlocks"/> of those given back and leaves the rest to
/// the GC. Orleans' <see cref="ObjectPool{T}"/> keeps every block it is given back, so a pool stays at the high-water
/// of the caches it serves: a heap dump at the standard peak found 81 free blocks of 1 MiB in the silo's three pools,
/// outside every budget.
/// </summary>
/// <remarks>
/// A cache in its steady state frees a block about as often as it takes one, and a few free blocks cover that; what a
/// cache gives back as it shrinks (after a burst, or when its purge guard lets a subscriber's backlog go) is garbage.
/// </remarks>
internal sealed class BoundedBlockPool(int blockBytes, IObjectPoolMonitor? monitor = null) : IObjectPool<FixedSizeBuffer>
{
    /// <summary>Free blocks kept per pool: 8 MiB of 1 MiB blocks.</summary>
    public const int MaxFreeBlocks = 8;

    private readonly ConcurrentStack<FixedSizeBuffer> _free = new();
    private int _freeCount;
    private long _blocks;

    /// <summary>Free blocks the pool keeps now.</summary>
    public int FreeBlocks => Volatile.Read(ref _freeCount);

    public FixedSizeBuffer Allocate()
    {
        if (_free.TryPop(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
        }
        else
        {
            block = new FixedSizeBuffer(blockBytes);
            Interlocked.Increment(ref _blocks);
        }

        monitor?.TrackObjectAllocated();
        Report();
        block.Pool = this;
        return block;
    }

    public void Free(FixedSizeBuffer resource)
    {
        monitor?.TrackObjectReleased();
        if (Interlocked.Increment(ref _freeCount) <= MaxFreeBlocks)
        {
            _free.Push(resource);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
            Interlocked.Decrement(ref _blocks);
        }

        Report();
    }

    /// <summary>Orleans' block pool gauges (total, available and claimed memory), as its own pool reports them.</summary>
    private void Report()
    {
        if (monitor is not null)
        {
            var blocks = Interlocked.Read(ref _blocks);
            var free = FreeBlocks;
            monitor.Report(blocks, free, blocks - free);
        }
    }
}
