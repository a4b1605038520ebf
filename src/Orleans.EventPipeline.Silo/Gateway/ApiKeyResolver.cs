using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Tenants;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// Resolves a bearer key to its tenant through the key's grain, caching answers so that a busy
/// client costs one grain call per cache period, not one per request. Unknown keys are cached for
/// a shorter time so a client with a wrong key cannot flood the key grains. The cache is not what revokes a
/// key: the tenant's ingest shards check the key's hash on every batch (<see cref="TenantKey"/>), and a key
/// they refuse is <see cref="Forget">forgotten</see> here at once.
/// </summary>
public sealed class ApiKeyResolver(IGrainFactory grains, IMemoryCache cache, IOptions<GatewayOptions> options)
{
    private static readonly TimeSpan UnknownKeyCacheDuration = TimeSpan.FromSeconds(5);

    /// <summary>The key's tenant and hash, or null for a missing, unknown or revoked key.</summary>
    public ValueTask<TenantKey?> ResolveAsync(string? authorization) => ResolveSecretAsync(BearerToken.Parse(authorization));

    /// <summary>
    /// The tenant of a bearer key this gateway resolved within <see cref="GatewayOptions.ApiKeyCacheDuration"/>,
    /// without asking its grain; null for any other. For answers given while the key grains cannot be reached.
    /// </summary>
    public string? CachedTenant(string? authorization) =>
        BearerToken.Parse(authorization) is { Length: <= 256 } secret && cache.TryGetValue(ApiKeySecret.Hash(secret), out string? cached) ? Known(cached) : null;

    /// <summary>A cached answer: a tenant id, or "" for a key found unknown.</summary>
    private static string? Known(string? cached) => cached is "" ? null : cached;

    /// <summary>Drops a key from the cache: its next request asks the key's grain again.</summary>
    public void Forget(string keyHash) => cache.Remove(keyHash);

    /// <summary>
    /// Runs <paramref name="change"/>, a revoke or a delete of <paramref name="tenantId"/>, and drops the keys it
    /// revoked from this gateway's cache: requests that never reach an ingest shard (a HEC ack query) are refused
    /// at once here too. Other gateways learn it from the shards at the key's next batch.
    /// </summary>
    public async Task<T> RevokingAsync<T>(string tenantId, Func<Task<T>> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var before = await tenant.GetActiveKeyHashesAsync();
        var result = await change();
        var after = new HashSet<string>(await tenant.GetActiveKeyHashesAsync(), StringComparer.Ordinal);
        foreach (var hash in before.Where(hash => !after.Contains(hash)))
        {
            cache.Remove(hash);
        }

        return result;
    }

    /// <summary>The tenant and hash of a key however it was sent (the shipper protocols have schemes of their own), or null.</summary>
    public async ValueTask<TenantKey?> ResolveSecretAsync(string? secret)
    {
        if (secret is null || secret.Length > 256)
        {
            return null;
        }

        var hash = ApiKeySecret.Hash(secret);
        if (cache.TryGetValue(hash, out string? cached))
        {
            return Known(cached) is { } known ? new TenantKey(known, hash) : null;
        }

        var tenant = await grains.GetGrain<IApiKeyGrain>(hash).ResolveTenantAsync();
        var duration = tenant is null ? UnknownKeyCacheDuration : options.Value.ApiKeyCacheDuration;
        if (duration > TimeSpan.Zero && options.Value.ApiKeyCacheDuration > TimeSpan.Zero)
        {
            cache.Set(hash, tenant ?? "", new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = duration, Size = 1 });
        }

        return tenant is null ? null : new TenantKey(tenant, hash);
    }
}
