using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>
/// One part of the tenant directory (<see cref="ITenantDirectoryGrain"/>). Each entry is about 100 bytes, so
/// a part of 10,000 tenants is a 1 MB record, written whole on each change of one of its tenants; listing
/// and filtering read the activation's memory only.
/// </summary>
public sealed class TenantDirectoryGrain(
    [PersistentState("tenantdirectory", PipelineStorage.Tenants)] IPersistentState<TenantDirectoryState> state) : Grain, ITenantDirectoryGrain
{
    public async Task UpsertAsync(TenantDirectoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (state.State.Tenants.TryGetValue(entry.TenantId, out var stored) && stored == entry)
        {
            return;
        }

        state.State.Tenants[entry.TenantId] = entry;
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string tenantId)
    {
        if (state.State.Tenants.Remove(tenantId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<TenantDirectoryEntry>> ListAsync(string? after, string? filter, int limit)
    {
        var page = new List<TenantDirectoryEntry>(Math.Clamp(limit, 0, 1000));
        foreach (var (id, entry) in state.State.Tenants)
        {
            if (page.Count >= limit)
            {
                break;
            }

            if ((after is null || string.CompareOrdinal(id, after) > 0)
                && (string.IsNullOrEmpty(filter)
                    || id.Contains(filter, StringComparison.OrdinalIgnoreCase)
                    || entry.DisplayName.Contains(filter, StringComparison.OrdinalIgnoreCase)))
            {
                page.Add(entry);
            }
        }

        return Task.FromResult<IReadOnlyList<TenantDirectoryEntry>>(page);
    }
}
