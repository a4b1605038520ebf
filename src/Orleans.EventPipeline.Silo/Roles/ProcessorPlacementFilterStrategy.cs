using Orleans.Placement;

namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>
/// Placement filter that keeps only silos hosting the pipeline's grains (role <c>processor</c> or
/// <c>all</c>): a <c>gateway</c> silo never activates a grain that holds tenant data or work. Given to
/// grain classes by <see cref="ProcessorPlacementGrainProperties"/>, applied by <see cref="ProcessorPlacementFilterDirector"/>.
/// </summary>
public sealed class ProcessorPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);
