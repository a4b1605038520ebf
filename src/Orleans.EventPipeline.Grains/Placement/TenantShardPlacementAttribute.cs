using Orleans.Placement;

namespace Orleans.EventPipeline.Grains.Placement;

/// <summary>Marks a grain class keyed by stream key for <see cref="TenantShardPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TenantShardPlacementAttribute() : PlacementAttribute(TenantShardPlacement.Instance);
