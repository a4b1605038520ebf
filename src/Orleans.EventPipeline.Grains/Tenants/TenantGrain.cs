using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>Holds one tenant's profile and API keys in the <see cref="PipelineStorage.Tenants"/> store.</summary>
public sealed partial class TenantGrain(
    [PersistentState("tenant", PipelineStorage.Tenants)] IPersistentState<TenantState> state,
    TimeProvider timeProvider,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    /// <summary>Settings stored before their bounds were checked (e.g. 1e400 events/s) are moved into them, once, so the tenant can be read and served again.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && state.State.Settings is { } settings && settings.Limits.Validate() is { Count: > 0 } problems)
        {
            var repaired = settings.Limits.Repaired();
            LogLimitsRepaired(this.GetPrimaryKeyString(), string.Join(" ", problems), repaired);
            state.State.Settings = settings with { Limits = repaired };
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public Task<TenantProfile> GetProfileAsync() => Task.FromResult(ToProfile());

    public async Task<TenantProfile> ConfigureAsync(TenantSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(settings));
        }

        var now = timeProvider.GetUtcNow();
        var previousShards = state.State.Settings?.ShardCount ?? 0;
        state.State.Settings = settings;
        state.State.CreatedAt ??= now;
        state.State.UpdatedAt = now;
        state.State.Version++;
        await state.WriteStateAsync();
        await ApplyToIngestAsync(settings, Math.Max(previousShards, settings.ShardCount));
        return ToProfile();
    }

    public async Task<IssuedApiKey> IssueApiKeyAsync(string name)
    {
        if (!state.RecordExists)
        {
            throw new InvalidOperationException($"Tenant '{this.GetPrimaryKeyString()}' does not exist: configure it before issuing keys.");
        }

        var secret = ApiKeySecret.Create();
        var key = new StoredApiKey
        {
            KeyId = ApiKeySecret.NewKeyId(),
            Name = string.IsNullOrWhiteSpace(name) ? "default" : name,
            SecretHash = ApiKeySecret.Hash(secret),
            CreatedAt = timeProvider.GetUtcNow(),
        };

        // Register the lookup first: a key that is listed but not resolvable would be a dead key,
        // while a resolvable key missing from the list is repaired by the write below.
        await GrainFactory.GetGrain<IApiKeyGrain>(key.SecretHash).RegisterAsync(this.GetPrimaryKeyString(), key.KeyId);
        state.State.ApiKeys.Add(key);
        await state.WriteStateAsync();
        return new IssuedApiKey(key.KeyId, secret);
    }

    public async Task<bool> RevokeApiKeyAsync(string keyId)
    {
        var key = state.State.ApiKeys.Find(k => k.KeyId == keyId);
        if (key is null)
        {
            return false;
        }

        await GrainFactory.GetGrain<IApiKeyGrain>(key.SecretHash).RevokeAsync();
        key.Revoked = true;
        await state.WriteStateAsync();
        return true;
    }

    /// <summary>
    /// The rate grain and every ingest shard, also those past a lowered shard count: a gateway that still
    /// knows the old count may send to them for up to its cache period, and they must apply the new settings.
    /// </summary>
    private Task ApplyToIngestAsync(TenantSettings settings, int shards)
    {
        var tenantId = this.GetPrimaryKeyString();
        var calls = new List<Task>(shards + 1) { GrainFactory.GetGrain<ITenantRateGrain>(tenantId).ApplySettingsAsync(settings) };
        for (var shard = 0; shard < shards; shard++)
        {
            calls.Add(GrainFactory.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(tenantId, shard)).ApplySettingsAsync(settings));
        }

        return Task.WhenAll(calls);
    }

    private TenantProfile ToProfile() => new(
        this.GetPrimaryKeyString(),
        state.RecordExists,
        state.State.Settings,
        state.State.Version,
        state.State.CreatedAt,
        state.State.UpdatedAt)
    {
        ApiKeys = state.State.ApiKeys.ConvertAll(static k => new ApiKeyInfo(k.KeyId, k.Name, k.CreatedAt, k.Revoked)),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} had stored limits out of bounds ({Problems}); they are now {Limits}")]
    private partial void LogLimitsRepaired(string tenantId, string problems, TenantLimits limits);
}
