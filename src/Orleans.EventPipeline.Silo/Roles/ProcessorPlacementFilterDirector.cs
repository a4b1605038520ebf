using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>
/// Keeps the silos that host the pipeline's grains. When none is active, Orleans refuses the placement
/// ("No active nodes are compatible"), which the HTTP API answers with 503 (<see cref="ProcessorAvailability"/>).
/// </summary>
internal sealed class ProcessorPlacementFilterDirector(ClusterRoles roles) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos) =>
        silos.Where(roles.HostsGrains);
}
