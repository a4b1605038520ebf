using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Grains.Ingest;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class TokenBucketTests
{
    [Fact]
    public void CanTake_BurstSpent_RefusesUntilRefilledWithRetryAfter()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 100, burstSeconds: 2, time.GetTimestamp());

        Assert.True(bucket.CanTake(200, time.GetTimestamp(), time, out _));
        bucket.Take(200);
        var refused = bucket.CanTake(50, time.GetTimestamp(), time, out var retryAfter);
        time.Advance(TimeSpan.FromSeconds(0.5));
        var allowed = bucket.CanTake(50, time.GetTimestamp(), time, out _);

        Assert.False(refused);
        Assert.Equal(TimeSpan.FromSeconds(0.5), retryAfter);
        Assert.True(allowed);
    }

    [Fact]
    public void CanTake_RequestLargerThanBucket_PassesWhenFullThenLeavesDebt()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 10, burstSeconds: 1, time.GetTimestamp());

        Assert.True(bucket.CanTake(25, time.GetTimestamp(), time, out _));
        bucket.Take(25);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(bucket.CanTake(1, time.GetTimestamp(), time, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(0.6), retryAfter);
    }

    [Fact]
    public void TakeUpTo_LeasesABlockWhileTokensLast_AtLeastWhatIsNeeded()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 100, burstSeconds: 1, time.GetTimestamp());

        Assert.True(bucket.CanTake(10, time.GetTimestamp(), time, out _));
        var block = bucket.TakeUpTo(10, 30);
        Assert.True(bucket.CanTake(10, time.GetTimestamp(), time, out _));
        var rest = bucket.TakeUpTo(10, 200);
        var refused = bucket.CanTake(1, time.GetTimestamp(), time, out var retryAfter);

        Assert.Equal(30, block);
        Assert.Equal(70, rest);
        Assert.False(refused);
        Assert.Equal(TimeSpan.FromSeconds(0.01), retryAfter);
    }

    [Fact]
    public void CanTake_LongIdle_RefillsOnlyToCapacity()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 10, burstSeconds: 1, time.GetTimestamp());
        bucket.Take(10);

        time.Advance(TimeSpan.FromHours(1));

        Assert.True(bucket.CanTake(10, time.GetTimestamp(), time, out _));
        bucket.Take(10);
        Assert.False(bucket.CanTake(1, time.GetTimestamp(), time, out _));
    }
}
