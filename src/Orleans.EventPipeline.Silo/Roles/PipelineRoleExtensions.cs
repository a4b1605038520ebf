using System.Reflection;
using Orleans.Configuration;
using Orleans.EventPipeline.Grains.Tenants;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.Metadata;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Streams;

namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>Makes a silo what <c>Pipeline:Role</c> says: its metadata, name, grain placement and stream receivers.</summary>
internal static class PipelineRoleExtensions
{
    /// <summary>
    /// Publishes this silo's role as Orleans silo metadata, names the silo after it (so
    /// <c>IManagementGrain.GetDetailedHosts</c> and the dashboard tell a gateway apart), and keeps the
    /// pipeline's grains — and those of <paramref name="userGrainAssemblies"/> — off silos that do not host
    /// them. Every silo registers the filter, whatever its role: placement runs on the calling silo.
    /// </summary>
    public static ISiloBuilder UsePipelineRole(this ISiloBuilder silo, PipelineSettings settings, IReadOnlyCollection<Assembly> userGrainAssemblies)
    {
        silo.UseSiloMetadata(ClusterRoles.MetadataOf(settings.Pipeline.Role, settings.Processing));
        var siloName = $"{ClusterRoles.NameOf(settings.Pipeline.Role)}-{Guid.NewGuid().ToString("N")[..8]}";
        silo.Configure<SiloOptions>(orleans => orleans.SiloName = siloName);
        silo.Services.AddSingleton<ClusterRoles>();
        silo.Services.AddPlacementFilter<ProcessorPlacementFilterStrategy, ProcessorPlacementFilterDirector>(ServiceLifetime.Singleton);
        Assembly[] placed = [typeof(TenantGrain).Assembly, .. userGrainAssemblies];
        silo.Services.AddSingleton<IGrainPropertiesProvider>(services => new ProcessorPlacementGrainProperties(services, placed));
        return silo;
    }

    /// <summary>
    /// Balances a stream provider's queues over the silos that run receivers only, and on a silo that
    /// runs none starts no pulling agents at all.
    /// </summary>
    public static void UseReceiverRole(this ISiloPersistentStreamConfigurator streams, PipelineSettings settings)
    {
        streams.ConfigurePartitionBalancing(ProcessorQueueBalancer.Create);
        if (!settings.RunsReceivers)
        {
            streams.ConfigureLifecycle(static builder => builder.Configure(static lifecycle => lifecycle.StartupState = StreamLifecycleOptions.RunState.AgentsStopped));
        }
    }
}
