namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// One tenant's persisted profile, keyed by tenant id (lower-case letters, digits and '-').
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>The stored profile; <see cref="TenantProfile.Exists"/> is false for a tenant never configured.</summary>
    Task<TenantProfile> GetProfileAsync();

    /// <summary>Creates or updates the tenant and returns the stored profile with its new version.</summary>
    Task<TenantProfile> ConfigureAsync(TenantSettings settings);
}
