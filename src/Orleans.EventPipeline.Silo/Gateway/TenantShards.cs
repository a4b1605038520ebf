using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// Which shard of a tenant's ingest a request goes to. The tenant's shard count is read from its tenant
/// grain and trusted for <see cref="GatewayOptions.ApiKeyCacheDuration"/> like its keys, so a busy tenant
/// costs its tenant grain one call per gateway per period, not one per request. A gateway that still uses
/// an old count sends to shards that exist and keep the tenant's limits: only the spread lags. The shards'
/// grain references are kept with the count, made once per period too: making one resolves the grain's
/// interface type by its name each time, which showed in a one-event request's profile (docs/PERFORMANCE.md,
/// "Batches of 1: a request's grain reference").
/// </summary>
public sealed class TenantShards(IGrainFactory grains, IOptions<GatewayOptions> options, TimeProvider timeProvider)
{
    // Entries past their period are swept once the map has doubled since the last sweep (and holds at least this many),
    // so it stays within twice the tenants that sent in a period, plus this, also when tenants come and go: a deleted
    // tenant's entry, and its shard references, would otherwise stay. A swept tenant costs one tenant-grain call at its
    // next request, as it would have after its period anyway.
    internal const int MinimumSweepCount = 1024;

    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);
    private int _sweepAt = MinimumSweepCount;

    /// <summary>Tenants whose shard count this gateway keeps now.</summary>
    internal int Count => _known.Count;

    /// <summary>The tenant's shard count, and the next shard in turn for a request without an Idempotency-Key.</summary>
    public async ValueTask<(int Count, ITenantIngestGrain Next)> PickAsync(string tenantId)
    {
        var now = timeProvider.GetTimestamp();
        if (!_known.TryGetValue(tenantId, out var known) || now >= known.Until)
        {
            var profile = await grains.GetGrain<ITenantGrain>(tenantId).GetProfileAsync();
            var until = now + (long)(options.Value.ApiKeyCacheDuration.TotalSeconds * timeProvider.TimestampFrequency);
            var fresh = new Known(new ITenantIngestGrain?[profile.Settings?.ShardCount ?? 1], until);
            known = _known.AddOrUpdate(tenantId, fresh, (_, old) => fresh.ContinuingFrom(old));
            if (_known.Count >= Volatile.Read(ref _sweepAt))
            {
                Sweep(now);
            }
        }

        // Round robin: a gateway alone spreads a tenant's requests evenly over its shards. A shard's reference is
        // made at its first request (with no key cache, ApiKeyCacheDuration 0, each request makes one, as before);
        // two requests racing to make it make equal references.
        var shards = known.Shards;
        var next = (int)((uint)Interlocked.Increment(ref known.Turn) % (uint)shards.Length);
        return (shards.Length, shards[next] ??= grains.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(tenantId, next)));
    }

    private void Sweep(long now)
    {
        foreach (var entry in _known)
        {
            if (now >= entry.Value.Until)
            {
                // Only the expired entry itself: a request may have put a fresh one under the key meanwhile.
                _known.TryRemove(entry);
            }
        }

        Volatile.Write(ref _sweepAt, Math.Max(MinimumSweepCount, 2 * _known.Count));
    }

    private sealed class Known(ITenantIngestGrain?[] shards, long until)
    {
        public int Turn;

        public ITenantIngestGrain?[] Shards { get; } = shards;

        public long Until { get; } = until;

        public Known ContinuingFrom(Known old)
        {
            Turn = old.Turn;
            return this;
        }
    }
}
