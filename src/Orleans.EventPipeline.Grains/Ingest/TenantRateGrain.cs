using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// Keeps a tenant's limits cluster-wide however many silos its ingest shards run on. A shard leases a
/// block of <see cref="IngestOptions.RateLeasePeriod"/> ÷ shardCount of the tenant's rate (at least what
/// its request needs), so the tenant's shards together hold at most one period of its rate ahead of the
/// buckets, and a saturated shard calls here about once per period, whatever its request rate.
/// </summary>
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
public sealed class TenantRateGrain(TimeProvider timeProvider, IOptions<IngestOptions> options) : Grain, ITenantRateGrain
{
    private readonly IngestOptions _options = options.Value;
    private TenantSettings _settings = new("", Enabled: false);
    private TokenBucket _events = null!;
    private TokenBucket _bytes = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var profile = await GrainFactory.GetGrain<ITenantGrain>(this.GetPrimaryKeyString()).GetProfileAsync();
        Apply(profile.Settings ?? _settings);
    }

    public Task ApplySettingsAsync(TenantSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Apply(settings);
        return Task.CompletedTask;
    }

    public Task<RateLease> LeaseAsync(double events, double bytes)
    {
        var now = timeProvider.GetTimestamp();
        var eventsOk = _events.CanTake(events, now, timeProvider, out var eventsWait);
        var bytesOk = _bytes.CanTake(bytes, now, timeProvider, out var bytesWait);
        if (!eventsOk || !bytesOk)
        {
            return Task.FromResult(new RateLease(0, 0, eventsWait > bytesWait ? eventsWait : bytesWait));
        }

        var share = _options.RateLeasePeriod.TotalSeconds / _settings.ShardCount;
        var limits = _settings.Limits;
        return Task.FromResult(new RateLease(
            _events.TakeUpTo(events, limits.EventsPerSecond * share),
            _bytes.TakeUpTo(bytes, limits.BytesPerSecond * share),
            RetryAfter: null));
    }

    private void Apply(TenantSettings settings)
    {
        _settings = settings;
        var now = timeProvider.GetTimestamp();
        _events = new TokenBucket(settings.Limits.EventsPerSecond, settings.Limits.BurstSeconds, now);
        _bytes = new TokenBucket(settings.Limits.BytesPerSecond, settings.Limits.BurstSeconds, now);
    }
}
