namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// Maps one API key to its tenant. Keyed by the hex SHA-256 of the key's secret, so the secret is
/// never stored and a lookup costs one grain call whatever the number of tenants.
/// </summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>The tenant the key belongs to, or null when the key is unknown or revoked.</summary>
    Task<string?> ResolveTenantAsync();

    Task RegisterAsync(string tenantId, string keyId);

    Task RevokeAsync();
}
