using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Gateway.Memory;

namespace Orleans.EventPipeline.Tests.Gateway;

/// <summary>
/// When the trimmer collects: after a burst (in flight or grown heap), at the quiet period and then at each follow-up
/// while ingest stays idle; never after a trickle. The committed-memory probe is the test's, so other tests' heaps in
/// this process decide nothing; the collections are real.
/// </summary>
public sealed class IdleMemoryTrimmerTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly InFlightMemoryBudget _budget = new(Options.Create(new GatewayOptions()));
    private long _committed = 100L * 1024 * 1024;

    [Fact]
    public async Task ABurstInFlight_IsCollectedAtTheQuietPeriod_ThenAtEachFollowUp_UpToTheLimit()
    {
        using var trimmer = await StartAsync();
        Request(IdleMemoryTrimmer.MinPeakBytes);

        _time.Advance(IdleMemoryTrimmer.QuietPeriod - Tick);
        Assert.Equal(0, trimmer.Trims);
        _time.Advance(Tick);
        Assert.Equal(1, trimmer.Trims);

        for (var followUp = 1; followUp <= IdleMemoryTrimmer.MaxFollowUps; followUp++)
        {
            _time.Advance(IdleMemoryTrimmer.FollowUpInterval - Tick);
            Assert.Equal(followUp, trimmer.Trims);
            _time.Advance(Tick);
            Assert.Equal(followUp + 1, trimmer.Trims);
        }

        _time.Advance(IdleMemoryTrimmer.FollowUpInterval * 10);
        Assert.Equal(1 + IdleMemoryTrimmer.MaxFollowUps, trimmer.Trims);
    }

    [Fact]
    public async Task AHeapGrownByTheBudget_WithSmallRequests_IsCollected()
    {
        using var trimmer = await StartAsync();
        // Thousands of tenants created and posted to: each request small, the grains they activated large together.
        _committed += IdleMemoryTrimmer.MinPeakBytes;
        Request(1024);

        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(1, trimmer.Trims);
    }

    [Fact]
    public async Task ATrickle_IsNeverCollected()
    {
        using var trimmer = await StartAsync();
        for (var request = 0; request < 5; request++)
        {
            _committed += IdleMemoryTrimmer.MinPeakBytes / 8;
            Request(1024);
            _time.Advance(IdleMemoryTrimmer.FollowUpInterval);
        }

        // 5/8 of the threshold grew in all: still under it.
        _time.Advance(IdleMemoryTrimmer.FollowUpInterval * 10);
        Assert.Equal(0, trimmer.Trims);
    }

    [Fact]
    public async Task ARequestDuringTheFollowUps_EndsThem_AndATrickleAfterItStartsNone()
    {
        using var trimmer = await StartAsync();
        Request(IdleMemoryTrimmer.MinPeakBytes);
        _time.Advance(IdleMemoryTrimmer.QuietPeriod);
        Assert.Equal(1, trimmer.Trims);

        // A request in flight when the follow-up is due: no collection under it.
        Assert.True(_budget.TryCharge(1024, 0));
        _time.Advance(IdleMemoryTrimmer.FollowUpInterval);
        Assert.Equal(1, trimmer.Trims);

        // It ends small, and the heap did not grow since the trim: the next quiet period collects nothing, nor later.
        _budget.Release(1024);
        _time.Advance(IdleMemoryTrimmer.FollowUpInterval * 10);
        Assert.Equal(1, trimmer.Trims);
    }

    private async Task<IdleMemoryTrimmer> StartAsync()
    {
        var trimmer = new IdleMemoryTrimmer(_budget, _time, NullLogger<IdleMemoryTrimmer>.Instance, () => _committed);
        await trimmer.StartAsync(CancellationToken.None);
        return trimmer;
    }

    private void Request(long bytes)
    {
        Assert.True(_budget.TryCharge(bytes, 0));
        _budget.Release(bytes);
    }
}
