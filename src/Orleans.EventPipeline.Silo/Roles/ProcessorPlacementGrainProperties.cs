using System.Reflection;
using Orleans.Metadata;
using Orleans.EventPipeline.Streaming.Derived;

namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>
/// Gives <see cref="ProcessorPlacementFilterStrategy"/> to every grain class of the pipeline's grain
/// assembly (tenants, keys, ingest, processing, quarantine, dead letters), of users' assemblies loaded
/// by <c>Pipeline:GrainAssemblies</c>, and to the derived streams' queue grain, which holds their
/// events. Given here rather than by an attribute on each class, so a grain class
/// added later cannot forget it, and test clusters that host the grains without the pipeline's silo
/// need no filter registered.
/// </summary>
internal sealed class ProcessorPlacementGrainProperties(IServiceProvider services, IReadOnlyCollection<Assembly> assemblies) : IGrainPropertiesProvider
{
    private static readonly ProcessorPlacementFilterStrategy Strategy = new();

    public void Populate(Type grainClass, GrainType grainType, Dictionary<string, string> properties)
    {
        if (assemblies.Contains(grainClass.Assembly) || grainClass == typeof(DerivedQueueGrain))
        {
            Strategy.PopulateGrainProperties(services, grainClass, grainType, properties);
        }
    }
}
