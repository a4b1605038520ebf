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
