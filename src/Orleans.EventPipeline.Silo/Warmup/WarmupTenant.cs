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

    /// <summary>Most shards a tenant may have (<see cref="TenantSettings.Validate"/>).</summary>
    private const int MaxShards = 64;

    /// <summary>Sets the tenant up with <paramref name="shards"/> shards and issues this warm-up's key.</summary>
    public static async Task<IssuedApiKey> PrepareAsync(IGrainFactory grains, int shards)
    {
        var tenant = grains.GetGrain<ITenantGrain>(TenantId.Warmup);
        // Deleted first: that revokes every earlier warm-up's key (one whose silo died before revoking it, its secret
        // gone with the process), so the tenant's record keeps one key however often silos start.
        await tenant.DeleteAsync(TenantCondition.None);
        // The shortest window: its Idempotency-Key records are swept a minute after their answers, not a day.
        await tenant.ConfigureAsync(new TenantSettings(DisplayName, Enabled: true) { ShardCount = shards, IdempotencyWindow = TenantSettings.MinIdempotencyWindow });
        return await tenant.IssueApiKeyAsync(KeyName);
    }

    public static Task RevokeAsync(IGrainFactory grains, string keyId) => grains.GetGrain<ITenantGrain>(TenantId.Warmup).RevokeApiKeyAsync(keyId);

    /// <summary>
    /// The fewest shards whose stream keys Event Hubs places on every partition of the hub, so every partition's send
    /// link and receiver carries the warm-up; 1 when the partitions are not known.
    /// </summary>
    public static int ShardsCoveringEveryPartition(HubPartitions? partitions)
    {
        var count = partitions?.Count ?? 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var shard = 0; shard < MaxShards && count > 0; shard++)
        {
            if (partitions!.PartitionOf(StreamKeys.ForShard(TenantId.Warmup, shard)) is { } partition && seen.Add(partition) && seen.Count == count)
            {
                return shard + 1;
            }
        }

        return count == 0 ? 1 : MaxShards;
    }
}
