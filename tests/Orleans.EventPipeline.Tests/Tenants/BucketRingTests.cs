using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Tenants;

public sealed class BucketRingTests
{
    private const int Hour = TenantActivityBuckets.Count;

    [Fact]
    public void RandomAddsAndSets_MatchAModelThatKeepsTheLastHourOfTheNewestBucket()
    {
        var random = new Random(12345);
        var ring = new BucketRing();
        var model = new Dictionary<long, long>();
        long newest = 1_000_000;
        for (var step = 0; step < 20_000; step++)
        {
            // Mostly the current bucket, sometimes a jump ahead (a quiet spell), sometimes a late one behind.
            var slot = random.Next(10) switch
            {
                0 => newest + random.Next(1, 2 * Hour),
                1 => newest - random.Next(0, Hour + 20),
                _ => newest + random.Next(0, 2),
            };
            var value = random.Next(1, 100);
            var set = random.Next(4) == 0;
            if (set)
            {
                ring.Set(slot, value);
            }
            else
            {
                ring.Add(slot, value);
            }

            var top = Math.Max(newest, slot);
            if (slot > top - Hour)
            {
                model[slot] = set ? value : model.GetValueOrDefault(slot) + value;
                newest = top;
                foreach (var old in model.Keys.Where(k => k <= newest - Hour).ToList())
                {
                    model.Remove(old);
                }
            }

            var probe = newest - random.Next(0, Hour + 5);
            Assert.Equal(model.ContainsKey(probe), ring.Holds(probe));
            Assert.Equal(model.GetValueOrDefault(probe), ring.CountAt(probe));
        }

        var series = ring.Series(newest);
        for (var i = 0; i < Hour; i++)
        {
            Assert.Equal(model.GetValueOrDefault(newest - (Hour - 1) + i), series[i]);
        }
    }

    [Fact]
    public void ABucketAnHourOlderThanTheNewest_IsDroppedAndRefused()
    {
        var ring = new BucketRing();
        ring.Add(100, 5);
        ring.Add(100 + Hour - 1, 7);
        Assert.Equal(5, ring.CountAt(100));

        ring.Add(100 + Hour, 9);
        ring.Add(100, 1);

        Assert.False(ring.Holds(100));
        Assert.Equal(0, ring.CountAt(100));
        Assert.Equal([7, 9], ring.Series(100 + Hour).TakeLast(2));
    }

    [Fact]
    public void AQuietTenantsRing_KeepsItsBucketsOnly()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ring = new BucketRing();
        ring.Add(500, 10);
        var quiet = GC.GetAllocatedBytesForCurrentThread() - before;

        // 360 buckets of slot and count would be 5,760 bytes.
        Assert.InRange(quiet, 1, 200);
        GC.KeepAlive(ring);
    }
}
