using Orleans.EventPipeline.Streaming.Caching;
using Orleans.Providers.Streams.Common;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// A cache that shrinks gives its blocks back to the pool: the pool keeps a few for the next reads and lets the
/// rest go, where Orleans' own pool keeps every block up to the caches' high-water.
/// </summary>
public sealed class BoundedBlockPoolTests
{
    private const int BlockBytes = 4096;

    [Fact]
    public void ManyBlocksGivenBack_PoolKeepsOnlyItsMaximum_AndHandsThoseOutFirst()
    {
        var monitor = new Readings();
        var pool = new BoundedBlockPool(BlockBytes, monitor);
        var taken = Enumerable.Range(0, 3 * BoundedBlockPool.MaxFreeBlocks).Select(_ => pool.Allocate()).ToList();
        Assert.Equal(taken.Count, monitor.Total);

        // Disposing is how a cache gives a block back once it purged the block's messages.
        taken.ForEach(static block => block.Dispose());

        Assert.Equal(BoundedBlockPool.MaxFreeBlocks, pool.FreeBlocks);
        Assert.Equal(BoundedBlockPool.MaxFreeBlocks, monitor.Total);
        Assert.Equal(BoundedBlockPool.MaxFreeBlocks, monitor.Available);
        var kept = taken.Select(static block => block.Id).ToHashSet(ReferenceEqualityComparer.Instance);
        var again = Enumerable.Range(0, BoundedBlockPool.MaxFreeBlocks + 1).Select(_ => pool.Allocate()).ToList();
        Assert.All(again.Take(BoundedBlockPool.MaxFreeBlocks), block => Assert.Contains(block.Id, kept));
        Assert.DoesNotContain(again[^1].Id, kept);
        Assert.Equal(0, pool.FreeBlocks);
        Assert.Equal(BoundedBlockPool.MaxFreeBlocks + 1, monitor.Claimed);

        // A block handed out again is reset: it offers its whole size.
        Assert.True(again[0].TryGetSegment(BlockBytes, out _));
    }

    /// <summary>The last report in blocks, as Orleans' block pool gauges get it.</summary>
    private sealed class Readings : IObjectPoolMonitor
    {
        public long Total { get; private set; }

        public long Available { get; private set; }

        public long Claimed { get; private set; }

        public void TrackObjectAllocated()
        {
        }

        public void TrackObjectReleased()
        {
        }

        public void Report(long totalObjects, long availableObjects, long claimedObjects) => (Total, Available, Claimed) = (totalObjects, availableObjects, claimedObjects);
    }
}
