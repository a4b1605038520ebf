using System.IO.Hashing;
using System.Text;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Orleans.EventPipeline.Grains.Placement;

/// <summary>
/// Picks the silo for one shard's grain among the silos Orleans (and any placement filter) allows: sorted
/// by address so every silo computes the same list, then the (h + n)-th for shard n of a tenant whose id
/// hashes to h. Random or load-based placement puts both shards of a 2-shard tenant on one of 2 silos
/// half of the time; this never does while both silos are up. Activations stay where they were placed
/// when silos join; new activations (after a deactivation or a silo's loss) follow the new list.
/// </summary>
public sealed class TenantShardPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target).ToArray();
        if (silos.Length == 0)
        {
            throw new SiloUnavailableException($"No silo can host {target.GrainIdentity}.");
        }

        Array.Sort(silos, static (a, b) => string.CompareOrdinal(a.ToParsableString(), b.ToParsableString()));
        var streamKey = target.GrainIdentity.Key.ToString()!;
        var start = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(StreamKeys.TenantOf(streamKey)));
        var index = (start + (uint)StreamKeys.ShardOf(streamKey)) % (uint)silos.Length;
        return Task.FromResult(silos[index]);
    }
}
