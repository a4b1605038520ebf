namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// One tenant's persisted profile and API keys, keyed by tenant id (see <see cref="TenantId"/>).
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>The stored profile; <see cref="TenantProfile.Exists"/> is false for a tenant never configured.</summary>
    /// <remarks>
    /// Interleaves: it only reads, and the tenant's ingest grain calls it while activating, which can
    /// happen inside this grain's own <see cref="ConfigureAsync"/> call to that ingest grain.
    /// </remarks>
    [Concurrency.AlwaysInterleave]
    Task<TenantProfile> GetProfileAsync();

    /// <summary>Creates or updates the tenant and returns the stored profile with its new version.</summary>
    Task<TenantProfile> ConfigureAsync(TenantSettings settings);

    /// <summary>Creates an API key; its secret is returned once and only its hash is kept.</summary>
    Task<IssuedApiKey> IssueApiKeyAsync(string name);

    /// <summary>Revokes a key by id; false when the tenant has no such key.</summary>
    Task<bool> RevokeApiKeyAsync(string keyId);
}
