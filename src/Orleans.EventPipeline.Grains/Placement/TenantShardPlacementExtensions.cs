using Orleans.Hosting;

namespace Orleans.EventPipeline.Grains.Placement;

public static class TenantShardPlacementExtensions
{
    /// <summary>Registers <see cref="TenantShardPlacementDirector"/>; every silo that may host a shard's grain needs it.</summary>
    public static ISiloBuilder AddTenantShardPlacement(this ISiloBuilder silo) =>
        silo.AddPlacementDirector<TenantShardPlacement, TenantShardPlacementDirector>();
}
