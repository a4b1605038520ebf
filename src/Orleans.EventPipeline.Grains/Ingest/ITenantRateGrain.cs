using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// A tenant's rate for the whole cluster, one activation per tenant id: it holds the tenant's two token
/// buckets and leases them in blocks to the tenant's ingest shards (<see cref="ShardRateLimiter"/>), which
/// spend a block without calling here for each request.
/// </summary>
public interface ITenantRateGrain : IGrainWithStringKey
{
    /// <summary>
    /// At least <paramref name="events"/> and <paramref name="bytes"/> tokens and up to one block of each, or
    /// none and how long until the tenant has them.
    /// </summary>
    Task<RateLease> LeaseAsync(double events, double bytes);

    /// <summary>Applies settings the tenant grain just stored: buckets sized for the new limits, full.</summary>
    Task ApplySettingsAsync(TenantSettings settings);
}

/// <summary>Tokens handed to one ingest shard; refused (none) when <see cref="RetryAfter"/> is set.</summary>
[GenerateSerializer, Immutable]
public sealed record RateLease(
    [property: Id(0)] double Events,
    [property: Id(1)] double Bytes,
    [property: Id(2)] TimeSpan? RetryAfter);
