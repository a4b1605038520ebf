using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orleans.EventPipeline.Silo.Roles;

/// <summary>
/// Which silos of the cluster host the tenant grains and which read Event Hubs, from the Orleans silo
/// metadata each silo publishes (<see cref="MetadataOf"/>). One view for placement, the queue balancer,
/// the gateway's 503 and readiness, so they never disagree about what a silo is.
/// </summary>
internal sealed class ClusterRoles(
    IClusterMembershipService membership,
    ISiloMetadataCache metadata,
    ILocalSiloDetails localSilo,
    IOptions<PipelineOptions> options,
    IOptions<ProcessingGrainOptions> processing)
{
    /// <summary>Metadata key of a silo's role: <c>all</c>, <c>gateway</c> or <c>processor</c>.</summary>
    public const string RoleKey = "eventpipeline.role";

    /// <summary>Metadata key saying whether a silo runs the Event Hubs receivers: <c>true</c> or <c>false</c>.</summary>
    public const string ReceiversKey = "eventpipeline.receivers";

    // The metadata values of the roles that host grains: "all" and "processor".
    private static readonly HashSet<string> GrainHostNames = [.. Enum.GetValues<PipelineRole>().Where(HostsGrains).Select(NameOf)];

    /// <summary>The metadata a silo with these settings publishes.</summary>
    public static Dictionary<string, string> MetadataOf(PipelineRole role, ProcessingGrainOptions processing) => new(StringComparer.Ordinal)
    {
        [RoleKey] = NameOf(role),
        [ReceiversKey] = RunsReceivers(role, processing) ? "true" : "false",
    };

    public static string NameOf(PipelineRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Whether a silo of this role may activate the pipeline's grains.</summary>
    public static bool HostsGrains(PipelineRole role) => role != PipelineRole.Gateway;

    /// <summary>Whether a silo of <paramref name="role"/> serves the ingest API (and admin, dashboards): all but a processor.</summary>
    public static bool ServesIngest(PipelineRole role) => role != PipelineRole.Processor;

    /// <summary>Whether a silo with these settings runs the Event Hubs receivers (and the derived streams' agents).</summary>
    public static bool RunsReceivers(PipelineRole role, ProcessingGrainOptions processing) => HostsGrains(role) && processing.Enabled;

    /// <summary>
    /// Whether <paramref name="silo"/> may activate the pipeline's grains. A silo whose metadata this one
    /// has not fetched yet (it joined a moment ago) counts as not hosting them until it has.
    /// </summary>
    public bool HostsGrains(SiloAddress silo) => silo.Equals(localSilo.SiloAddress)
        ? HostsGrains(options.Value.Role)
        : metadata.GetSiloMetadata(silo).Metadata.GetValueOrDefault(RoleKey) is { } role && GrainHostNames.Contains(role);

    /// <summary>Whether <paramref name="silo"/> runs the Event Hubs receivers.</summary>
    public bool RunsReceivers(SiloAddress silo) => silo.Equals(localSilo.SiloAddress)
        ? RunsReceivers(options.Value.Role, processing.Value)
        : metadata.GetSiloMetadata(silo).Metadata.GetValueOrDefault(ReceiversKey) == "true";

    /// <summary>Active silos that host the pipeline's grains.</summary>
    public List<SiloAddress> ActiveGrainHosts() => Active().Where(HostsGrains).ToList();

    /// <summary>Whether any active silo hosts the pipeline's grains: asked once per HTTP request, so it makes no list.</summary>
    public bool AnyActiveGrainHost()
    {
        foreach (var (_, member) in membership.CurrentSnapshot.Members)
        {
            if (member.Status == SiloStatus.Active && HostsGrains(member.SiloAddress))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Active silos that run receivers, in one order every silo computes alike: by endpoint, so a silo
    /// restarted on its address takes its old place (and its old partitions) back.
    /// </summary>
    public List<SiloAddress> ActiveReceiverSilos() => Active()
        .Where(RunsReceivers)
        .OrderBy(static silo => silo.Endpoint.ToString(), StringComparer.Ordinal)
        .ThenBy(static silo => silo.Generation)
        .ToList();

    private IEnumerable<SiloAddress> Active() => membership.CurrentSnapshot.Members.Values
        .Where(static member => member.Status == SiloStatus.Active)
        .Select(static member => member.SiloAddress);
}
