using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>One part of the tenant directory as stored: its tenants by id, in id order.</summary>
[GenerateSerializer]
public sealed class TenantDirectoryState
{
    [Id(0)] public SortedDictionary<string, TenantDirectoryEntry> Tenants { get; set; } = new(StringComparer.Ordinal);
}
