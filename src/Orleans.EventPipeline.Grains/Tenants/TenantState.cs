using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>The tenant grain's persisted record.</summary>
[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public TenantSettings? Settings { get; set; }

    [Id(1)] public long Version { get; set; }

    [Id(2)] public DateTimeOffset? CreatedAt { get; set; }

    [Id(3)] public DateTimeOffset? UpdatedAt { get; set; }

    [Id(4)] public List<StoredApiKey> ApiKeys { get; set; } = [];

    /// <summary>See <see cref="TenantProfile.DataGeneration"/>; kept in a deleted tenant's tombstone, a new one when its data was removed.</summary>
    [Id(5)] public Guid? DataGeneration { get; set; }

    /// <summary>
    /// The highest shard count the tenant has had, kept in a deleted tenant's tombstone: a request can still reach a
    /// shard past a lowered count (a keyed retry goes to its first attempt's shard, a gateway keeps the old count for
    /// its cache period), so every change and every key goes to all of them. 0 in records stored before it was kept.
    /// </summary>
    [Id(6)] public int ShardsUsed { get; set; }

    /// <summary>
    /// When a delete that removes the tenant's data began (<see cref="ITenantGrain.BeginDataRemovalAsync"/>); null once
    /// it finished (the tombstone has none) and for a tenant whose data no delete began to remove.
    /// </summary>
    [Id(7)] public DateTimeOffset? DataRemovalBegunAt { get; set; }

    /// <summary>
    /// See <see cref="TenantProfile.RemovedDataGenerations"/>; kept in the tombstone and by a tenant created again, so that
    /// a processor meeting a deleted tenant's batch after the create still knows it for removed.
    /// </summary>
    [Id(8)] public List<Guid> RemovedDataGenerations { get; set; } = [];
}

/// <summary>An API key as kept: the SHA-256 of its secret, never the secret.</summary>
[GenerateSerializer]
public sealed class StoredApiKey
{
    [Id(0)] public string KeyId { get; set; } = "";

    [Id(1)] public string Name { get; set; } = "";

    [Id(2)] public string SecretHash { get; set; } = "";

    [Id(3)] public DateTimeOffset CreatedAt { get; set; }

    [Id(4)] public bool Revoked { get; set; }

    /// <summary>The secret's first characters (<see cref="ApiKeySecret.ShortPrefix"/>); empty for keys issued before it was kept.</summary>
    [Id(5)] public string SecretPrefix { get; set; } = "";
}
