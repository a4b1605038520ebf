using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>
/// The silo's own tenant (<see cref="TenantId.Warmup"/>) for one warm-up: set up afresh with a key only this warm-up
/// knows, the key revoked after. Its events are carried like any tenant's: into the hub, through its processors,
/// into the archive under its id.
/// </summary>
internal static class WarmupTenant
{
    private const string DisplayName = "the silos' start-up warm-up";
    private const string KeyName = "start-up warm-up";

    /// <summary>
    /// Sets the tenant up with <paramref name="shards"/> shards and issues this warm-up's key. <paramref name="longest"/>:
    /// the longest a warm-up runs (<see cref="WarmupOptions.Longest"/>).
    /// </summary>
    public static async Task<IssuedApiKey> PrepareAsync(IGrainFactory grains, int shards, TimeSpan longest)
    {
        var tenant = grains.GetGrain<ITenantGrain>(TenantId.Warmup);
        // Set up in place, never deleted: another gateway may be warming up with it, between its own setup and its key.
        // The shortest window: the records of its answered Idempotency-Keys are swept a minute after their answers, not a day.
        await tenant.ConfigureAsync(new TenantSettings(DisplayName, Enabled: true) { ShardCount = shards, IdempotencyWindow = TenantSettings.MinIdempotencyWindow });
        // A key issued over twice the longest warm-up ago is no live gateway's (each revokes its own when done): the one
        // of a silo that died warming up, its secret gone with the process. Revoked, and dropped from the record with
        // the revoked ones, in the grain's own call, so the record holds the keys issued within that window, not one per start.
        return await tenant.IssueApiKeyRetiringOlderAsync(KeyName, longest * 2);
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
