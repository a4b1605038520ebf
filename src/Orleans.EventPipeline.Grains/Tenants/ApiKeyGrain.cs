using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>The persisted record of one API key.</summary>
[GenerateSerializer]
public sealed class ApiKeyState
{
    [Id(0)] public string? TenantId { get; set; }

    [Id(1)] public string? KeyId { get; set; }

    [Id(2)] public bool Revoked { get; set; }

    [Id(3)] public DateTimeOffset? LastUsedAt { get; set; }
}

/// <summary>Resolves a key (by the hash of its secret) to its tenant, and remembers when it was last used.</summary>
/// <remarks>
/// Collected after <see cref="GrainIdleAge.Minutes"/> idle minutes like the tenant's other grains: a gateway
/// resolves a key once per cache period, so an active key's activation never idles that long.
/// </remarks>
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
public sealed partial class ApiKeyGrain(
    [PersistentState("apikey", PipelineStorage.Tenants)] IPersistentState<ApiKeyState> state,
    TimeProvider timeProvider,
    ILogger<ApiKeyGrain> logger) : Grain, IApiKeyGrain
{
    /// <summary>
    /// A key's last use is stored at most once per 5 minutes: a busy key is resolved once per gateway and
    /// <c>ApiKeyCacheDuration</c> (30 s by default), and each resolve writing the store would cost 2 writes a
    /// minute per gateway for a date nobody needs to the second. Between writes the activation holds the exact time.
    /// </summary>
    private static readonly TimeSpan LastUsedWriteInterval = TimeSpan.FromMinutes(5);

    private DateTimeOffset? _lastUsed;

    public async Task<string?> ResolveTenantAsync()
    {
        if (state.State.Revoked || state.State.TenantId is null)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        _lastUsed = now;
        if (state.State.LastUsedAt is not { } stored || now - stored >= LastUsedWriteInterval)
        {
            state.State.LastUsedAt = now;
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The key still resolves: its last use is a convenience, never a reason to refuse events.
                // A fresh activation reads the record again, so a write that lost its etag does not repeat.
                LogLastUsedNotStored(exception, state.State.TenantId);
                DeactivateOnIdle();
            }
        }

        return state.State.TenantId;
    }

    public Task<DateTimeOffset?> GetLastUsedAsync() => Task.FromResult(_lastUsed ?? state.State.LastUsedAt);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_lastUsed is not { } lastUsed || lastUsed == state.State.LastUsedAt || state.State.TenantId is null)
        {
            return;
        }

        // The exact time held between writes would go with the activation: stored once, on the way out.
        state.State.LastUsedAt = lastUsed;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogLastUsedNotStored(exception, state.State.TenantId);
        }
    }

    public async Task RegisterAsync(string tenantId, string keyId)
    {
        if (state.State.TenantId is { } owner && owner != tenantId)
        {
            // 256-bit secrets do not collide; this only guards against a bug handing one key to two tenants.
            throw new InvalidOperationException("This API key already belongs to another tenant.");
        }

        state.State.TenantId = tenantId;
        state.State.KeyId = keyId;
        state.State.Revoked = false;
        await state.WriteStateAsync();
    }

    public async Task RevokeAsync()
    {
        state.State.Revoked = true;
        await state.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The last use of a key of tenant {TenantId} was not stored; the key still works")]
    private partial void LogLastUsedNotStored(Exception exception, string? tenantId);
}
