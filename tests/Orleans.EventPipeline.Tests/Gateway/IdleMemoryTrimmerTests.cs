using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using GrainCollectionOptions = Orleans.Configuration.GrainCollectionOptions;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Gateway.Memory;

namespace Orleans.EventPipeline.Tests.Gateway;

/// <summary>
/// When the trimmer collects: after a burst (held in flight, or heap left committed beyond its live objects), at the
/// quiet period and then at each follow-up while ingest stays idle, never twice within an interval, never after a
/// trickle or a stop. The probe of reclaimable memory and the collection are the test's, so other tests' heaps in
/// this process decide nothing.
/// </summary>
public sealed class IdleMemoryTrimmerTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly InFlightMemoryBudget _budget = new(Options.Create(new GatewayOptions()));
    private readonly TimeSpan _interval = IdleMemoryTrimmer.FollowUpAfter(new GrainCollectionOptions());
    private long _reclaimable;
    private int _collected;

    [Fact]
    public void FollowUpInterval_IsTheGrainsIdleAgePlusOrleansCollectionPass() =>
        Assert.Equal(TimeSpan.FromMinutes(3), _interval);

    [Fact]
    public async Task ABurstInFlight_IsCollectedAtTheQuietPeriod_ThenAtEachFollowUp_UpToTheLimit()
    {
        using var trimmer = await StartAsync();
        Request(IdleMemoryTrimmer.MinPeakBytes);

        _time.Advance(IdleMemoryTrimmer.QuietPeriod - Tick);
        Assert.Equal(0, _collected);
        _time.Advance(Tick);
        Assert.Equal(1, _collected);

        for (var followUp = 1; followUp <= IdleMemoryTrimmer.MaxFollowUps; followUp++)
        {
            _time.Advance(_interval - Tick);
            Assert.Equal(followUp, _collected);
            _time.Advance(Tick);
            Assert.Equal(followUp + 1, _collected);
        }

        _time.Advance(_interval * 10);
        Assert.Equal(1 + IdleMemoryTrimmer.MaxFollowUps, _collected);
    }

    [Fact]
    public async Task AHeapLeftCommittedBeyondItsLiveObjects_AfterSmallRequests_IsCollected()
    {
        using var trimmer = await StartAsync();
        // Thousands of tenants created and posted to: each request small, the heap their grains grew large.
        _reclaimable = IdleMemoryTrimmer.MinPeakBytes;
        Request(1024);

        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(1, _collected);
    }

    [Fact]
    public async Task ATrickle_WithLittleToGiveBack_IsNeverCollected()
    {
        using var trimmer = await StartAsync();
        _reclaimable = IdleMemoryTrimmer.MinPeakBytes - 1;
        for (var request = 0; request < 5; request++)
        {
            Request(IdleMemoryTrimmer.MinPeakBytes - 1);
            _time.Advance(_interval);
        }

        _time.Advance(_interval * 10);
        Assert.Equal(0, _collected);
    }

    [Fact]
    public async Task BurstsHalfAMinuteApart_NeverMeetACollection()
    {
        // A shipper flushing every 30 s: with a shorter quiet period, a burst every follow-up interval would meet the
        // collection or the heap it gave back.
        using var trimmer = await StartAsync();
        _reclaimable = IdleMemoryTrimmer.MinPeakBytes;
        for (var burst = 0; burst < 20; burst++)
        {
            Request(IdleMemoryTrimmer.MinPeakBytes);
            _time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(0, _collected);
        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(1, _collected);
    }

    [Fact]
    public async Task ARequestDuringTheFollowUps_EndsThem_AndTheNextBurstWaitsOutTheInterval()
    {
        using var trimmer = await StartAsync();
        _reclaimable = IdleMemoryTrimmer.MinPeakBytes;
        Request(1024);
        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(1, _collected);

        // A request in flight when the follow-up is due: no collection under it, and none later for its idle period.
        Assert.True(_budget.TryCharge(1024, 0));
        _time.Advance(_interval);
        Assert.Equal(1, _collected);

        // Its end starts a quiet period; with as much to give back as before, it collects only an interval after the last collection.
        _budget.Release(1024);
        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(2, _collected);

        // A burst right after: its quiet period passes within the interval, so nothing; the heap stays as it is.
        Request(IdleMemoryTrimmer.MinPeakBytes);
        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(2, _collected);
    }

    [Fact]
    public async Task AfterStop_NothingIsCollected()
    {
        var trimmer = await StartAsync();
        Request(IdleMemoryTrimmer.MinPeakBytes);
        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(1, _collected);

        await trimmer.StopAsync(CancellationToken.None);
        _time.Advance(_interval * 10);
        Request(IdleMemoryTrimmer.MinPeakBytes);
        _time.Advance(_interval * 10);
        trimmer.Dispose();
        Assert.Equal(1, _collected);
    }

    private async Task<IdleMemoryTrimmer> StartAsync()
    {
        var trimmer = new IdleMemoryTrimmer(_budget, _interval, _time, NullLogger<IdleMemoryTrimmer>.Instance, () => _reclaimable, () => _collected++);
        await trimmer.StartAsync(CancellationToken.None);
        return trimmer;
    }

    private void Request(long bytes)
    {
        Assert.True(_budget.TryCharge(bytes, 0));
        _budget.Release(bytes);
    }
}
