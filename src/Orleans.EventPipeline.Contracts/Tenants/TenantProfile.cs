namespace Orleans.EventPipeline.Tenants;

/// <summary>A tenant as stored: its settings plus bookkeeping. Keys appear by id and name only.</summary>
/// <param name="Version">Increases by one on every successful configure; 0 before the first.</param>
[GenerateSerializer, Immutable]
public sealed record TenantProfile(
    [property: Id(0)] string TenantId,
    [property: Id(1)] bool Exists,
    [property: Id(2)] TenantSettings? Settings,
    [property: Id(3)] long Version,
    [property: Id(4)] DateTimeOffset? CreatedAt,
    [property: Id(5)] DateTimeOffset? UpdatedAt)
{
    [Id(6)] public IReadOnlyList<ApiKeyInfo> ApiKeys { get; init; } = [];

    /// <summary>
    /// Names the tenant's data as kept: a new value when a delete removed it (<c>data=remove</c>), the same across a
    /// delete that kept it and a create after. An Idempotency-Key's answer holds only under the value it was given
    /// under. Null from a silo of a build before it was kept, and for a tenant never created. The cluster's own: not
    /// part of the admin API's answer.
    /// </summary>
    [Id(7), System.Text.Json.Serialization.JsonIgnore] public Guid? DataGeneration { get; init; }

    /// <summary>
    /// The generations deletes with <c>data=remove</c> took from this tenant id, newest last (at most
    /// <see cref="MaxRemovedDataGenerations"/>): batches stamped with one of them were acknowledged before such a delete,
    /// and the processors drop them instead of archiving them. Generations are not ordered (a tenant created again goes on
    /// with its tombstone's), so the removed ones are named. Empty from an earlier build. The cluster's own.
    /// </summary>
    [Id(8), System.Text.Json.Serialization.JsonIgnore] public IReadOnlyList<Guid> RemovedDataGenerations { get; init; } = [];

    /// <summary>
    /// The most shards the tenant id has had (also a deleted tenant's, kept in its tombstone), at least its settings' count:
    /// every shard whose stream may still hold its events. 0 from an earlier build. The cluster's own.
    /// </summary>
    [Id(9), System.Text.Json.Serialization.JsonIgnore] public int ShardsUsed { get; init; }

    /// <summary>
    /// Removed generations a tenant id keeps: a batch of a removed generation is on the raw stream for its processors' lag
    /// (seconds; at most the hub's retention, after a lost checkpoint), a delete adds one (its repeats none), and 32 covers
    /// 32 deletes of the same id in that time.
    /// </summary>
    public const int MaxRemovedDataGenerations = 32;

    /// <summary>
    /// <see cref="RemovedDataGenerations"/>, empty when a tenant grain of an earlier build sent a profile without it: Orleans
    /// makes a record that has no parameterless constructor without running its initializers, so the member is null then
    /// (helper-134: a processor's activation threw on it).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Guid> RemovedGenerations => RemovedDataGenerations ?? [];

    /// <summary>True when a batch stamped <paramref name="generation"/> belongs to data a delete removed.</summary>
    public bool IsRemoved(Guid? generation) => generation is { } stamped && RemovedGenerations.Contains(stamped);
}

/// <summary>A tenant's API key without its secret.</summary>
[GenerateSerializer, Immutable]
public sealed record ApiKeyInfo(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] bool Revoked)
{
    /// <summary>The first characters of the secret (<c>ept_</c> and 4 more), to tell keys apart; empty for keys issued before it was kept.</summary>
    [Id(4)] public string Prefix { get; init; } = "";

    /// <summary>When a gateway last resolved the key, to within <c>ApiKeyCacheDuration</c>; null when never, or not listed.</summary>
    [Id(5)] public DateTimeOffset? LastUsedAt { get; init; }
}

/// <summary>A newly created key: <see cref="Secret"/> is shown once and never stored.</summary>
[GenerateSerializer, Immutable]
public sealed record IssuedApiKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Secret)
{
    [Id(2)] public string Name { get; init; } = "";

    /// <inheritdoc cref="ApiKeyInfo.Prefix"/>
    [Id(3)] public string Prefix { get; init; } = "";

    // A record's generated ToString would print the secret wherever the object is logged or traced.
    public override string ToString() => $"IssuedApiKey {{ KeyId = {KeyId}, Prefix = {Prefix} }}";
}
