namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// One part of the index of every tenant, for listing: the tenants whose id starts with the part's key, a
/// single character (<see cref="TenantDirectory.PartOf"/>). Tenant ids start with one of 36 characters, so the index is 36
/// grains at most (and "_", which only the silos' warm-up tenant is written to and no listing reads), each written only
/// when one of its tenants is created, renamed, enabled, disabled or deleted, and a listing in id order reads them in order.
/// </summary>
public interface ITenantDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds the tenant or replaces its entry.</summary>
    Task UpsertAsync(TenantDirectoryEntry entry);

    Task RemoveAsync(string tenantId);

    /// <summary>
    /// Up to <paramref name="limit"/> entries with an id after <paramref name="after"/> (all when null), in id
    /// order, whose id or display name contains <paramref name="filter"/> (case-insensitive; all when null).
    /// </summary>
    [Concurrency.ReadOnly]
    Task<IReadOnlyList<TenantDirectoryEntry>> ListAsync(string? after, string? filter, int limit);
}

/// <summary>A tenant as listed: what a list shows without reading every tenant's grain.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantDirectoryEntry(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] bool Enabled,
    [property: Id(3)] DateTimeOffset? CreatedAt,
    [property: Id(4)] long Version);

/// <summary>Where the tenant directory's parts are.</summary>
public static class TenantDirectory
{
    /// <summary>The characters a tenant id starts with (<see cref="TenantId.Rule"/>), in listing order: the keys of the directory's parts.</summary>
    public const string Parts = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>The key of the part that lists <paramref name="tenantId"/>.</summary>
    public static string PartOf(string tenantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        return tenantId[..1];
    }
}
