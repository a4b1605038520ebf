namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// Maps one API key to its tenant. Keyed by the hex SHA-256 of the key's secret, so the secret is
/// never stored and a lookup costs one grain call whatever the number of tenants. Finding the grain by
/// the hash is the comparison: no stored secret is compared byte by byte, so response time says nothing
/// about how much of a guess was right.
/// </summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>The tenant the key belongs to, or null when the key is unknown or revoked; notes the key as used.</summary>
    Task<string?> ResolveTenantAsync();

    Task RegisterAsync(string tenantId, string keyId);

    Task RevokeAsync();

    /// <summary>When a gateway last resolved the key (it does so once per <c>ApiKeyCacheDuration</c> while the key sends), or null.</summary>
    [Concurrency.AlwaysInterleave]
    Task<DateTimeOffset?> GetLastUsedAsync();
}
