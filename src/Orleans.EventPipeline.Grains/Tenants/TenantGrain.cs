using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>
/// Holds one tenant's profile and API keys in the <see cref="PipelineStorage.Tenants"/> store, and keeps the
/// tenant's entry in the <see cref="ITenantDirectoryGrain"/> up to date.
/// </summary>
/// <remarks>
/// Everything it knows is in its state, so it is collected after <see cref="GrainIdleAge.Minutes"/> idle minutes
/// like the tenant's other grains; gateways and processors read it once per cache or refresh period while the
/// tenant sends, and a reactivation is one state read (its directory entry is rewritten only if it changed).
/// </remarks>
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
public sealed partial class TenantGrain(
    [PersistentState("tenant", PipelineStorage.Tenants)] IPersistentState<TenantState> state,
    TimeProvider timeProvider,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private string Id => this.GetPrimaryKeyString();

    /// <summary>
    /// Settings stored before their bounds were checked (e.g. 1e400 events/s) are moved into them, once, so the
    /// tenant can be read and served again; a tenant stored before the directory existed is entered in it.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && state.State.Settings is { } settings && settings.Limits.Validate() is { Count: > 0 } problems)
        {
            var repaired = settings.Limits.Repaired();
            LogLimitsRepaired(Id, string.Join(" ", problems), repaired);
            state.State.Settings = settings with { Limits = repaired };
            await state.WriteStateAsync(cancellationToken);
        }

        // Null collections the admin API once let through: the processors read these settings and would fail on them.
        if (state.RecordExists && state.State.Settings is { } stored && (stored.Processing ?? new()).WithoutNulls() is var processing
            && !ReferenceEquals(processing, stored.Processing))
        {
            LogProcessingRepaired(Id);
            state.State.Settings = stored with { Processing = processing };
            await state.WriteStateAsync(cancellationToken);
        }

        // A tenant stored before its data had a generation gets one now, stored before any answer is given under it: a
        // value held only by this activation would differ from the next one's, and keys would start over under it.
        if (state.RecordExists && state.State.Settings is not null && state.State.DataGeneration is null)
        {
            state.State.DataGeneration = Guid.NewGuid();
            await state.WriteStateAsync(cancellationToken);
        }

        if (state.RecordExists && state.State.Settings is not null)
        {
            try
            {
                await Directory.UpsertAsync(Entry());
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Listing is not serving: the tenant still takes events, and its next change enters it again.
                LogDirectoryNotUpdated(exception, Id);
            }
        }

        _saved = ToProfile();
    }

    private ITenantDirectoryGrain Directory => GrainFactory.GetGrain<ITenantDirectoryGrain>(TenantDirectory.PartOf(Id));

    // The profile as last stored: GetProfileAsync interleaves with a change, whose new values are in the state while it
    // is written and put back if the write fails; a shard activating meanwhile must not take settings never stored.
    private TenantProfile? _saved;

    public Task<TenantProfile> GetProfileAsync() => Task.FromResult(_saved ?? ToProfile());

    /// <summary>Writes the state, then serves it (<see cref="GetProfileAsync"/>).</summary>
    private async Task WriteAsync()
    {
        await state.WriteStateAsync();
        _saved = ToProfile();
    }

    public async Task<TenantProfile> ConfigureAsync(TenantSettings settings)
    {
        var change = await ConfigureAsync(settings, TenantCondition.None);
        // Without a condition only an unfinished data removal refuses: said, not answered with the profile as if done.
        return change.Outcome == TenantChangeOutcome.Done
            ? change.Profile
            : throw new InvalidOperationException($"Tenant '{Id}' was not configured: {change.Outcome}. A delete with data=remove began and did not finish; repeat it.");
    }

    public async Task<TenantChange> ConfigureAsync(TenantSettings settings, TenantCondition condition)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(condition);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(settings));
        }

        if ((Refused(condition, mustExist: false) ?? (settings.Enabled ? RemovalUnfinished() : null)) is { } refused)
        {
            return refused;
        }

        var creating = !Exists;
        await StoreAsync(settings);
        await ApplyToIngestAsync(settings);
        return Done() with { Created = creating };
    }

    public async Task<TenantChange> SetEnabledAsync(bool enabled, TenantCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if ((Refused(condition, mustExist: true) ?? (enabled ? RemovalUnfinished() : null)) is { } refused)
        {
            return refused;
        }

        var settings = state.State.Settings! with { Enabled = enabled };
        await StoreAsync(settings);
        await ApplyToIngestAsync(settings);
        return Done();
    }

    public async Task<TenantChange> BeginDataRemovalAsync(TenantCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (Refused(condition, mustExist: true) is { } refused)
        {
            return refused;
        }

        var settings = state.State.Settings! with { Enabled = false };
        await StoreAsync(settings, beginDataRemoval: true);
        await ApplyToIngestAsync(settings);
        LogDataRemovalBegun(Id);
        return Done();
    }

    public Task<TenantChange> DeleteAsync(TenantCondition condition) => DeleteAsync(condition, dataRemoved: false);

    public async Task<TenantChange> DeleteAsync(TenantCondition condition, bool dataRemoved)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if ((Refused(condition, mustExist: true) ?? (dataRemoved ? null : RemovalUnfinished())) is { } refused)
        {
            return refused;
        }

        var before = ToProfile();

        // Refusal first, at once on every gateway: the ingest shards answer 403 from now on, also to a
        // gateway that still has a key cached. Then the keys, then the listing, then the record: a failure
        // part way leaves a tenant that is still listed and can be deleted again, never keys without a tenant.
        var settings = state.State.Settings!;
        await ApplyToIngestAsync(settings with { Enabled = false });
        // The shards forget every key too: a tenant created again under this id must not take the old keys a gateway cached.
        await ApplyKeysToIngestAsync([]);
        var active = state.State.ApiKeys.FindAll(static k => !k.Revoked);
        await Task.WhenAll(active.Select(k => GrainFactory.GetGrain<IApiKeyGrain>(k.SecretHash).RevokeAsync()));
        await Directory.RemoveAsync(Id);
        // A tombstone that keeps the version, not a cleared record: a tenant created again under this id goes on
        // from it, so an ETag ("1") kept from the deleted tenant never matches the new one. It keeps the data's
        // generation too, which a tenant created again goes on with, unless the data went: answers to Idempotency-Keys
        // about kept events still hold, those about removed ones no longer do (already before a create: a retry meets
        // the deleted tenant's refusal rather than an answer about data that is gone).
        // The removed generations stay. The one a begun removal made is not added: the tenant was disabled under it, so no
        // batch carries it, and each entry costs one of the list's MaxRemovedDataGenerations (helper-134). A removal not
        // begun here (a caller that skipped BeginDataRemovalAsync) adds the generation the tenant's batches carry.
        var stored = state.State;
        state.State = new TenantState
        {
            Version = stored.Version,
            DataGeneration = dataRemoved ? Guid.NewGuid() : stored.DataGeneration,
            ShardsUsed = ShardsUsed,
            RemovedDataGenerations = Removing(stored.RemovedDataGenerations, dataRemoved && stored.DataRemovalBegunAt is null ? stored.DataGeneration : null),
        };
        try
        {
            await WriteAsync();
        }
        catch
        {
            // Not deleted: the same DELETE, retried, finds the tenant and finishes.
            state.State = stored;
            throw;
        }

        LogDeleted(Id, active.Count);
        return new TenantChange(TenantChangeOutcome.Done, before, active.Count);
    }

    public async Task<IssuedApiKey?> IssueApiKeyAsync(string name) => Exists ? await IssueAsync(KeyName(name)) : null;

    /// <summary>Issues a key named <paramref name="name"/> (already defaulted) for the existing tenant.</summary>
    private async Task<IssuedApiKey> IssueAsync(string name)
    {
        var secret = ApiKeySecret.Create();
        var key = new StoredApiKey
        {
            KeyId = ApiKeySecret.NewKeyId(),
            Name = name,
            SecretHash = ApiKeySecret.Hash(secret),
            SecretPrefix = ApiKeySecret.ShortPrefix(secret),
            CreatedAt = timeProvider.GetUtcNow(),
        };

        // Register the lookup first: a key that is listed but not resolvable would be a dead key,
        // while a resolvable key missing from the list is repaired by the write below.
        await GrainFactory.GetGrain<IApiKeyGrain>(key.SecretHash).RegisterAsync(Id, key.KeyId);
        state.State.ApiKeys.Add(key);
        await WriteAsync();
        // Before the secret is answered: the shards take a key only once they know it.
        await ApplyKeysToIngestAsync(ActiveKeyHashes());
        LogKeyIssued(Id, key.KeyId, key.Name);
        return new IssuedApiKey(key.KeyId, secret) { Name = key.Name, Prefix = key.SecretPrefix };
    }

    public async Task<IssuedApiKey> IssueApiKeyRetiringOlderAsync(string name, TimeSpan retireAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retireAfter, TimeSpan.Zero);
        EnsureExists();
        var named = KeyName(name);
        var now = timeProvider.GetUtcNow();
        var retiring = state.State.ApiKeys.FindAll(k => k.Name == named && !k.Revoked && now - k.CreatedAt > retireAfter);
        // The record loses them, and the revoked ones of the name from before, in the issue's own write below.
        await RevokeAsync(retiring);
        var forgotten = state.State.ApiKeys.RemoveAll(k => k.Name == named && k.Revoked);
        if (forgotten > 0)
        {
            LogKeysRetired(Id, named, retiring.Count, retireAfter, forgotten);
        }

        return await IssueAsync(named);
    }

    public async Task<IssuedApiKey?> RotateApiKeyAsync(string keyId)
    {
        var old = state.State.ApiKeys.Find(k => k.KeyId == keyId);
        if (old is null || old.Revoked)
        {
            return null;
        }

        // The old key stays valid: clients move to the new one, then the operator revokes the old.
        return await IssueApiKeyAsync(old.Name);
    }

    public async Task<bool> RevokeApiKeyAsync(string keyId)
    {
        var key = state.State.ApiKeys.Find(k => k.KeyId == keyId);
        if (key is null)
        {
            return false;
        }

        await RevokeAsync([key]);
        await WriteAsync();
        // At once on every gateway: the shards refuse the key even where a gateway still has it cached.
        await ApplyKeysToIngestAsync(ActiveKeyHashes());
        LogKeyRevoked(Id, keyId);
        return true;
    }

    /// <summary>
    /// Revokes <paramref name="keys"/>: their lookups first, so from here no gateway resolves them again, then their
    /// records, which the caller writes.
    /// </summary>
    private async Task RevokeAsync(List<StoredApiKey> keys)
    {
        await Task.WhenAll(keys.Select(k => GrainFactory.GetGrain<IApiKeyGrain>(k.SecretHash).RevokeAsync()));
        keys.ForEach(static k => k.Revoked = true);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync()
    {
        var keys = state.State.ApiKeys;
        var lastUsed = await Task.WhenAll(keys.Select(k => GrainFactory.GetGrain<IApiKeyGrain>(k.SecretHash).GetLastUsedAsync()));
        return keys.Select((k, i) => Info(k) with { LastUsedAt = lastUsed[i] }).ToList();
    }

    public Task<IReadOnlyList<string>> GetActiveKeyHashesAsync() => Task.FromResult<IReadOnlyList<string>>(ActiveKeyHashes());

    private bool Exists => state.RecordExists && state.State.Settings is not null;

    private void EnsureExists()
    {
        if (!Exists)
        {
            throw new InvalidOperationException($"Tenant '{Id}' does not exist: configure it before issuing keys.");
        }
    }

    private static string KeyName(string name) => string.IsNullOrWhiteSpace(name) ? "default" : name;

    private string[] ActiveKeyHashes() =>
        state.State.Settings is null ? [] : state.State.ApiKeys.Where(static k => !k.Revoked).Select(static k => k.SecretHash).ToArray();

    private Task ApplyKeysToIngestAsync(IReadOnlyList<string> activeKeyHashes) =>
        Task.WhenAll(Enumerable.Range(0, ShardsUsed).Select(shard => GrainFactory.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(Id, shard)).ApplyKeysAsync(activeKeyHashes)));

    /// <summary>The answer when <paramref name="condition"/> does not hold for the stored tenant; null when it does.</summary>
    private TenantChange? Refused(TenantCondition condition, bool mustExist)
    {
        var exists = state.RecordExists && state.State.Settings is not null;
        if (condition.IfAbsent && exists)
        {
            return new TenantChange(TenantChangeOutcome.AlreadyExists, ToProfile());
        }

        if (!exists && (mustExist || condition.IfExists || condition.IfVersion is not null))
        {
            return new TenantChange(TenantChangeOutcome.NotFound, ToProfile());
        }

        return condition.IfVersion is { } expected && expected != state.State.Version
            ? new TenantChange(TenantChangeOutcome.VersionMismatch, ToProfile())
            : null;
    }

    /// <summary>The answer while a removal of the tenant's data has begun and not finished; null otherwise.</summary>
    private TenantChange? RemovalUnfinished() =>
        state.State.DataRemovalBegunAt is null ? null : new TenantChange(TenantChangeOutcome.DataRemovalUnfinished, ToProfile());

    /// <param name="beginDataRemoval">Also a new data generation, and the removal marked begun (<see cref="BeginDataRemovalAsync"/>).</param>
    private async Task StoreAsync(TenantSettings settings, bool beginDataRemoval = false)
    {
        var now = timeProvider.GetUtcNow();
        var s = state.State;
        var before = (s.Settings, s.CreatedAt, s.UpdatedAt, s.Version, s.ShardsUsed, s.DataGeneration, s.DataRemovalBegunAt, s.RemovedDataGenerations);
        s.ShardsUsed = Math.Max(ShardsUsed, settings.ShardCount);
        s.Settings = settings;
        s.CreatedAt ??= now;
        // A removal begun once is not begun again by its repeat: the generation it made, under which the tenant is disabled,
        // is no batch's, and a new one per repeat would push the generation the batches carry off the list of removed ones
        // after MaxRemovedDataGenerations repeats (helper-134: a delete repeated while a processor did not answer).
        var beginning = beginDataRemoval && before.DataRemovalBegunAt is null;
        s.DataGeneration = beginning || before.DataGeneration is null ? Guid.NewGuid() : before.DataGeneration;
        // The generation the tenant's batches were stamped with is named removed in the same write: from it on, a processor
        // that reads the profile drops those batches (TenantDeletion then tells the active ones, before it lists the archive).
        s.RemovedDataGenerations = beginning ? Removing(before.RemovedDataGenerations, before.DataGeneration) : before.RemovedDataGenerations;
        s.DataRemovalBegunAt = beginDataRemoval ? before.DataRemovalBegunAt ?? now : before.DataRemovalBegunAt;
        s.UpdatedAt = now;
        s.Version++;
        try
        {
            await WriteAsync();
        }
        catch
        {
            // What no store is known to hold is not kept: a generation would differ from the next activation's, and the
            // next change would build on settings the admin was told were not stored.
            (s.Settings, s.CreatedAt, s.UpdatedAt, s.Version, s.ShardsUsed, s.DataGeneration, s.DataRemovalBegunAt, s.RemovedDataGenerations) = before;
            throw;
        }
        await Directory.UpsertAsync(Entry());
    }

    private TenantChange Done() => new(TenantChangeOutcome.Done, ToProfile());

    /// <summary>
    /// A new list: <paramref name="removed"/> with <paramref name="generation"/> added last, the oldest beyond
    /// <see cref="TenantProfile.MaxRemovedDataGenerations"/> dropped. Never changed in place: a failed write puts the old one back.
    /// </summary>
    private static List<Guid> Removing(List<Guid>? removed, Guid? generation)
    {
        var list = new List<Guid>(removed ?? []);
        if (generation is { } taken && !list.Contains(taken))
        {
            list.Add(taken);
        }

        if (list.Count > TenantProfile.MaxRemovedDataGenerations)
        {
            list.RemoveRange(0, list.Count - TenantProfile.MaxRemovedDataGenerations);
        }

        return list;
    }

    private TenantDirectoryEntry Entry() => new(Id, state.State.Settings!.DisplayName, state.State.Settings.Enabled, state.State.CreatedAt, state.State.Version);

    /// <summary>
    /// Every shard the tenant has used (<see cref="TenantState.ShardsUsed"/>), also those past a lowered count and those
    /// of a deleted tenant's larger self; at least the stored count, for a record from before the highest was kept.
    /// </summary>
    private int ShardsUsed => Math.Max(state.State.ShardsUsed, state.State.Settings?.ShardCount ?? 1);

    /// <summary>
    /// The rate grain and every shard the tenant has used: a gateway that still knows an old count may send to a shard
    /// past the new one for up to its cache period, and a keyed retry goes to its first attempt's shard at any time.
    /// </summary>
    private Task ApplyToIngestAsync(TenantSettings settings)
    {
        var shards = ShardsUsed;
        var calls = new List<Task>(shards + 1) { GrainFactory.GetGrain<ITenantRateGrain>(Id).ApplySettingsAsync(settings) };
        for (var shard = 0; shard < shards; shard++)
        {
            calls.Add(GrainFactory.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(Id, shard)).ApplySettingsAsync(settings, state.State.Version, state.State.DataGeneration));
        }

        return Task.WhenAll(calls);
    }

    private static ApiKeyInfo Info(StoredApiKey k) => new(k.KeyId, k.Name, k.CreatedAt, k.Revoked) { Prefix = k.SecretPrefix };

    private TenantProfile ToProfile() => new(
        Id,
        state.RecordExists && state.State.Settings is not null,
        state.State.Settings,
        state.State.Version,
        state.State.CreatedAt,
        state.State.UpdatedAt)
    {
        ApiKeys = state.State.ApiKeys.ConvertAll(Info),
        DataGeneration = state.State.DataGeneration,
        RemovedDataGenerations = state.State.RemovedDataGenerations?.ToArray() ?? [],
        ShardsUsed = ShardsUsed,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} had stored limits out of bounds ({Problems}); they are now {Limits}")]
    private partial void LogLimitsRepaired(string tenantId, string problems, TenantLimits limits);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} had stored processing settings with null collections; they are now empty")]
    private partial void LogProcessingRepaired(string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} could not be entered in the tenant directory; its next change enters it")]
    private partial void LogDirectoryNotUpdated(Exception exception, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: key {KeyId} ({KeyName}) issued")]
    private partial void LogKeyIssued(string tenantId, string keyId, string keyName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: {Retired} keys named {KeyName} issued over {RetireAfter} ago revoked; {Forgotten} revoked keys of that name dropped from its record with the next key's issue")]
    private partial void LogKeysRetired(string tenantId, string keyName, int retired, TimeSpan retireAfter, int forgotten);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: key {KeyId} revoked")]
    private partial void LogKeyRevoked(string tenantId, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: a delete removing its data began; the tenant stays disabled until that delete finishes")]
    private partial void LogDataRemovalBegun(string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} deleted; {KeysRevoked} keys revoked")]
    private partial void LogDeleted(string tenantId, int keysRevoked);
}
