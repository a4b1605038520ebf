using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// A page of tenants in id order, read from the tenant directory's parts in order (one grain call per part
/// visited, 36 at most): the admin API's list and the dashboard's tenants page.
/// </summary>
public static class TenantListing
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 500;

    /// <summary>
    /// Up to <paramref name="limit"/> tenants after <paramref name="after"/> whose id or display name contains
    /// <paramref name="filter"/>; <see cref="TenantPage.Next"/> is the cursor of the next page, null on the last.
    /// </summary>
    public static async Task<TenantPage> ReadAsync(IGrainFactory grains, string? after, string? filter, int limit)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var items = new List<TenantDirectoryEntry>(limit + 1);
        var first = after is null ? 0 : Math.Max(0, TenantDirectory.Parts.IndexOf(after[0], StringComparison.Ordinal));
        for (var part = first; part < TenantDirectory.Parts.Length && items.Count <= limit; part++)
        {
            // One more than the page needs: if it comes back, there is a next page.
            var entries = await grains.GetGrain<ITenantDirectoryGrain>(TenantDirectory.Parts[part].ToString()).ListAsync(after, filter, limit + 1 - items.Count);
            items.AddRange(entries);
        }

        var more = items.Count > limit;
        if (more)
        {
            items.RemoveRange(limit, items.Count - limit);
        }

        return new TenantPage(items, more ? items[^1].TenantId : null);
    }
}

/// <summary>Answer of <c>GET /admin/v1/tenants</c>: a page of tenants and the <c>after</c> of the next page (null on the last).</summary>
public sealed record TenantPage(IReadOnlyList<TenantDirectoryEntry> Items, string? Next);
