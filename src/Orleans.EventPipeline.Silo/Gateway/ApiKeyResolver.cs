using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Tenants;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// Resolves a bearer key to its tenant through the key's grain, caching answers so that a busy
/// client costs one grain call per cache period, not one per request. Unknown keys are cached for
/// a shorter time so a client with a wrong key cannot flood the key grains.
/// </summary>
public sealed class ApiKeyResolver(IGrainFactory grains, IMemoryCache cache, IOptions<GatewayOptions> options)
{
    private static readonly TimeSpan UnknownKeyCacheDuration = TimeSpan.FromSeconds(5);

    /// <summary>The tenant id, or null for a missing, unknown or revoked key.</summary>
    public ValueTask<string?> ResolveAsync(string? authorization) => ResolveSecretAsync(BearerToken.Parse(authorization));

    /// <summary>
    /// The tenant of a bearer key this gateway resolved within <see cref="GatewayOptions.ApiKeyCacheDuration"/>,
    /// without asking its grain; null for any other. For answers given while the key grains cannot be reached.
    /// </summary>
    public string? CachedTenant(string? authorization) =>
        BearerToken.Parse(authorization) is { Length: <= 256 } secret && cache.TryGetValue(ApiKeySecret.Hash(secret), out string? cached) ? Known(cached) : null;

    /// <summary>A cached answer: a tenant id, or "" for a key found unknown.</summary>
    private static string? Known(string? cached) => cached is "" ? null : cached;

    /// <summary>The tenant id of a key however it was sent (the shipper protocols have schemes of their own), or null.</summary>
    public async ValueTask<string?> ResolveSecretAsync(string? secret)
    {
        if (secret is null || secret.Length > 256)
        {
            return null;
        }

        var hash = ApiKeySecret.Hash(secret);
        if (cache.TryGetValue(hash, out string? cached))
        {
            return Known(cached);
        }

        var tenant = await grains.GetGrain<IApiKeyGrain>(hash).ResolveTenantAsync();
        var duration = tenant is null ? UnknownKeyCacheDuration : options.Value.ApiKeyCacheDuration;
        if (duration > TimeSpan.Zero && options.Value.ApiKeyCacheDuration > TimeSpan.Zero)
        {
            cache.Set(hash, tenant ?? "", new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = duration, Size = 1 });
        }

        return tenant;
    }
}
