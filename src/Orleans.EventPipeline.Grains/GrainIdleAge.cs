namespace Orleans.EventPipeline.Grains;

/// <summary>
/// How long a tenant's grains stay in memory without a call: 2 minutes, not Orleans' 15. A silo with
/// thousands of tenants that each send now and then would otherwise keep every one of them (settings, key,
/// ingest shard, rate, processor, dead letters, order stage) for a quarter of an hour after its last batch;
/// a reactivation costs one state read. A processor that still buffers events keeps itself active (its
/// timer delays deactivation) until they are archived.
/// </summary>
public static class GrainIdleAge
{
    public const double Minutes = 2;
}
