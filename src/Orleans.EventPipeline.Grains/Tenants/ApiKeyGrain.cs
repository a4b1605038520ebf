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
}

/// <summary>Resolves a key (by the hash of its secret) to its tenant.</summary>
public sealed class ApiKeyGrain(
    [PersistentState("apikey", PipelineStorage.Tenants)] IPersistentState<ApiKeyState> state) : Grain, IApiKeyGrain
{
    public Task<string?> ResolveTenantAsync() =>
        Task.FromResult(state.State.Revoked ? null : state.State.TenantId);

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
}
