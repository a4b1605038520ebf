using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>The tenant grain's persisted record.</summary>
[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public TenantSettings? Settings { get; set; }

    [Id(1)] public long Version { get; set; }

    [Id(2)] public DateTimeOffset? CreatedAt { get; set; }

    [Id(3)] public DateTimeOffset? UpdatedAt { get; set; }
}
