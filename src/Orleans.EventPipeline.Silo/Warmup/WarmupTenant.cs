using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>
/// The silo's own tenant (<see cref="TenantId.Warmup"/>) for one warm-up: set up in place, shared by the gateways that
/// warm up at the same time, with a key only this warm-up knows, revoked after. Its events are carried like any
/// tenant's: into the hub, through its processors, into the archive under its id.
/// </summary>
internal static class WarmupTenant
{
    private const string DisplayName = "the silos' start-up warm-up";
    private const string KeyName = "start-up warm-up";

    /// <summary>
    /// Twice the highest <see cref="WarmupOptions.Longest"/> accepted: a warm-up stops using its key within
    /// its own Longest of the key's issue, so a key older than this is no live gateway's, whatever Longest each gateway
    /// is configured with (a gateway with a lower one, in a rollout, does not retire the key of one with a higher one).
    /// </summary>
    public static readonly TimeSpan KeysRetiredAfter = WarmupOptions.MaxLongest * 2;

    /// <summary>
    /// Sets the tenant up with <paramref name="shards"/> shards and issues this warm-up's key; the warm-up keys issued
    /// over <paramref name="retireAfter"/> ago (<see cref="KeysRetiredAfter"/>) are revoked in the same grain call.
    /// </summary>
    public static async Task<IssuedApiKey> PrepareAsync(IGrainFactory grains, int shards, TimeSpan retireAfter)
    {
        var tenant = grains.GetGrain<ITenantGrain>(TenantId.Warmup);
        // Set up in place, never deleted: another gateway may be warming up with it, between its own setup and its key.
        // The shortest window: the records of its answered Idempotency-Keys are swept a minute after their answers, not a day.
        await tenant.ConfigureAsync(new TenantSettings(DisplayName, Enabled: true) { ShardCount = shards, IdempotencyWindow = TenantSettings.MinIdempotencyWindow });
        // An old key is that of a silo that died warming up (or whose revocation failed), its secret gone with the
        // process: revoked, and dropped from the record with the revoked ones, so the record keeps the keys of the
        // starts within the window, not one per start.
        return await tenant.IssueApiKeyRetiringOlderAsync(KeyName, retireAfter);
    }

    public static Task RevokeAsync(IGrainFactory grains, string keyId) => grains.GetGrain<ITenantGrain>(TenantId.Warmup).RevokeApiKeyAsync(keyId);

    /// <summary>
    /// The fewest shards whose stream keys Event Hubs places on every partition of the hub, so every partition's send
    /// link and receiver carries the warm-up: 6 for the embedded hub's 4 partitions. A hub of many partitions may have
    /// some that no shard reaches (64 keys reach about 28 of 32); then all <see cref="TenantSettings.MaxShardCount"/>.
    /// 1 when the partitions are not known yet.
    /// </summary>
    public static int ShardsCoveringEveryPartition(HubPartitions partitions)
    {
        var count = partitions.Count;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var shard = 0; shard < TenantSettings.MaxShardCount && count > 0; shard++)
        {
            if (partitions.PartitionOf(StreamKeys.ForShard(TenantId.Warmup, shard)) is { } partition && seen.Add(partition) && seen.Count == count)
            {
                return shard + 1;
            }
        }

        return count == 0 ? 1 : TenantSettings.MaxShardCount;
    }
}
