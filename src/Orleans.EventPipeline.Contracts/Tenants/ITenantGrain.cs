namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// One tenant's persisted profile and API keys, keyed by tenant id (see <see cref="TenantId"/>).
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>The stored profile; <see cref="TenantProfile.Exists"/> is false for a tenant never configured.</summary>
    /// <remarks>
    /// Interleaves: it only reads, and the tenant's ingest grain calls it while activating, which can
    /// happen inside this grain's own <see cref="ConfigureAsync(TenantSettings)"/> call to that ingest grain.
    /// </remarks>
    [Concurrency.AlwaysInterleave]
    Task<TenantProfile> GetProfileAsync();

    /// <summary>
    /// Creates or updates the tenant whatever version is stored and returns the stored profile with its new version;
    /// throws <see cref="InvalidOperationException"/> for settings that enable it while a delete that removes its data is unfinished.
    /// </summary>
    Task<TenantProfile> ConfigureAsync(TenantSettings settings);

    /// <summary>
    /// Creates or updates the tenant if <paramref name="condition"/> holds: the stored version is
    /// <see cref="TenantCondition.IfVersion"/>, or the tenant does not exist yet when <see cref="TenantCondition.IfAbsent"/>.
    /// </summary>
    Task<TenantChange> ConfigureAsync(TenantSettings settings, TenantCondition condition);

    /// <summary>Enables or disables an existing tenant (a new version); a disabled tenant's requests are refused with 403.</summary>
    Task<TenantChange> SetEnabledAsync(bool enabled, TenantCondition condition);

    /// <summary>
    /// The first step of a delete that removes the tenant's data: disables it and, in the same write, gives its data a
    /// new <see cref="TenantProfile.DataGeneration"/> and marks the removal begun, so that from here no Idempotency-Key
    /// answer about the data is given again, and the tenant cannot be enabled again (nor deleted keeping its data)
    /// until <see cref="DeleteAsync(TenantCondition, bool)"/> with the data removed finishes it.
    /// </summary>
    Task<TenantChange> BeginDataRemovalAsync(TenantCondition condition);

    /// <summary>
    /// Deletes the tenant: its ingest shards refuse its requests at once, every key is revoked, it leaves
    /// the tenant directory and its record is cleared. Its archive and dead letters are not touched here.
    /// </summary>
    Task<TenantChange> DeleteAsync(TenantCondition condition);

    /// <summary>
    /// As <see cref="DeleteAsync(TenantCondition)"/>; with <paramref name="dataRemoved"/> the tenant's archive objects
    /// and dead letters were deleted first, so a tenant created again under this id gets a new
    /// <see cref="TenantProfile.DataGeneration"/> and none of the old one's Idempotency-Key answers.
    /// </summary>
    Task<TenantChange> DeleteAsync(TenantCondition condition, bool dataRemoved);

    /// <summary>
    /// Creates an API key; its secret is returned once and only its hash is kept. Null when the tenant does not exist
    /// (never created, or deleted, also by a delete that finished after the caller found it).
    /// </summary>
    Task<IssuedApiKey?> IssueApiKeyAsync(string name);

    /// <summary>
    /// Issues a key named <paramref name="name"/> and, in the same call and by this grain's clock, revokes that name's
    /// active keys issued more than <paramref name="retireAfter"/> ago and forgets its revoked ones (other names' keys
    /// are not touched). For a key each process issues itself at its start and revokes when done: the keys of processes
    /// that died holding one stop working once no live process can still be using them, and the tenant's record keeps
    /// only the keys issued within <paramref name="retireAfter"/>, not one per start.
    /// </summary>
    Task<IssuedApiKey> IssueApiKeyRetiringOlderAsync(string name, TimeSpan retireAfter);

    /// <summary>
    /// Issues a new key with the name of <paramref name="keyId"/>; the old key keeps working until it is revoked.
    /// Null when the tenant has no such key, or it is revoked.
    /// </summary>
    Task<IssuedApiKey?> RotateApiKeyAsync(string keyId);

    /// <summary>Revokes a key by id; false when the tenant has no such key.</summary>
    Task<bool> RevokeApiKeyAsync(string keyId);

    /// <summary>The tenant's keys, with when each was last used to send.</summary>
    Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync();

    /// <summary>The hashes of the tenant's active keys, for its ingest shards (never answered outside the cluster).</summary>
    [Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<string>> GetActiveKeyHashesAsync();
}
