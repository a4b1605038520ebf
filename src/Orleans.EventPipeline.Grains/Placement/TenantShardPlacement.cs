using Orleans.Runtime;

namespace Orleans.EventPipeline.Grains.Placement;

/// <summary>
/// Places the grains of one tenant's shards (keyed by stream key) on different silos: shard n of a tenant
/// goes to the (h + n)-th compatible silo, h a hash of the tenant id, so a tenant's first shards never
/// share a silo while there are enough, and tenants start at different silos
/// (<see cref="TenantShardPlacementDirector"/>).
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class TenantShardPlacement : PlacementStrategy
{
    public static TenantShardPlacement Instance { get; } = new();
}
