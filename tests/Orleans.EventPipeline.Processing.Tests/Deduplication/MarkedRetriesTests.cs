using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Processing.Deduplication;

namespace Orleans.EventPipeline.Processing.Tests.Deduplication;

public sealed class MarkedRetriesTests
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryGet_RetryMetWithinItsWindow_GivesItsFirstAttemptsStart()
    {
        var retries = new MarkedRetries(_time);
        var batch = Guid.NewGuid();
        var started = _time.GetUtcNow() - TimeSpan.FromMinutes(3);
        retries.Add(batch, started, Window);

        _time.Advance(Window - TimeSpan.FromSeconds(1));

        Assert.True(retries.TryGet(batch, out var since));
        Assert.Equal(started, since);
        Assert.False(retries.TryGet(Guid.NewGuid(), out _));
    }

    [Fact]
    public void TryGet_PastTheWindowFromWhenTheRetryWasMet_False()
    {
        var retries = new MarkedRetries(_time);
        var batch = Guid.NewGuid();
        retries.Add(batch, _time.GetUtcNow(), Window);

        _time.Advance(Window);

        Assert.False(retries.TryGet(batch, out _));
        // The next retry met drops it from memory too.
        retries.Add(Guid.NewGuid(), _time.GetUtcNow(), Window);
        Assert.Equal(1, retries.Count);
    }

    [Fact]
    public void Restore_RetryAnEarlierActivationMet_KeptUntilTheEndOfItsWindow()
    {
        var retries = new MarkedRetries(_time);
        var batch = Guid.NewGuid();
        var started = _time.GetUtcNow() - TimeSpan.FromHours(5);
        retries.Restore(batch, started, _time.GetUtcNow() + TimeSpan.FromMinutes(10));

        Assert.True(retries.TryGet(batch, out var since));
        Assert.Equal(started, since);
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(retries.TryGet(batch, out _));
    }

    [Fact]
    public void Add_AnotherRetryOfTheBatchLater_KeepsTheEarlierStartAndTheLaterEnd()
    {
        var retries = new MarkedRetries(_time);
        var batch = Guid.NewGuid();
        var started = _time.GetUtcNow();
        retries.Add(batch, started, Window);
        _time.Advance(TimeSpan.FromHours(20));
        retries.Add(batch, started + TimeSpan.FromSeconds(1), Window);

        _time.Advance(TimeSpan.FromHours(10));

        Assert.True(retries.TryGet(batch, out var since));
        Assert.Equal(started, since);
        Assert.Equal(1, retries.Count);
    }

    [Fact]
    public void Add_OverCapacity_DropsTheOldest()
    {
        var retries = new MarkedRetries(_time);
        var first = Guid.NewGuid();
        retries.Add(first, _time.GetUtcNow(), Window);
        for (var i = 0; i < MarkedRetries.Capacity; i++)
        {
            retries.Add(Guid.NewGuid(), _time.GetUtcNow(), Window);
        }

        var last = Guid.NewGuid();
        retries.Add(last, _time.GetUtcNow(), Window);

        Assert.Equal(MarkedRetries.Capacity, retries.Count);
        Assert.False(retries.TryGet(first, out _));
        Assert.True(retries.TryGet(last, out _));
    }
}
