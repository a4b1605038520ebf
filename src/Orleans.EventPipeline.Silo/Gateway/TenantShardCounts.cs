using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// How many shards each tenant's ingest is spread over, as this gateway knows it: read from the tenant
/// grain and trusted for <see cref="GatewayOptions.ApiKeyCacheDuration"/> like the tenant's keys, so a busy
/// tenant costs its tenant grain one call per gateway per period, not one per request. A gateway that still
/// uses an old count sends to shards that exist and keep the tenant's limits: only the spread lags.
/// </summary>
public sealed class TenantShardCounts(IGrainFactory grains, IOptions<GatewayOptions> options, TimeProvider timeProvider)
{
    // One entry per tenant whose key this gateway resolved: bounded by the tenants that exist.
    private readonly ConcurrentDictionary<string, (int Count, long Until)> _known = new(StringComparer.Ordinal);

    public async ValueTask<int> GetAsync(string tenantId)
    {
        var now = timeProvider.GetTimestamp();
        if (_known.TryGetValue(tenantId, out var known) && now < known.Until)
        {
            return known.Count;
        }

        var profile = await grains.GetGrain<ITenantGrain>(tenantId).GetProfileAsync();
        var count = profile.Settings?.ShardCount ?? 1;
        var until = now + (long)(options.Value.ApiKeyCacheDuration.TotalSeconds * timeProvider.TimestampFrequency);
        _known[tenantId] = (count, until);
        return count;
    }
}
