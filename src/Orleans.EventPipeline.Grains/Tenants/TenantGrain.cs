using Orleans.Runtime;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Tenants;

/// <summary>Holds one tenant's profile in the <see cref="PipelineStorage.Tenants"/> store.</summary>
public sealed class TenantGrain(
    [PersistentState("tenant", PipelineStorage.Tenants)] IPersistentState<TenantState> state,
    TimeProvider timeProvider) : Grain, ITenantGrain
{
    public Task<TenantProfile> GetProfileAsync() => Task.FromResult(ToProfile());

    public async Task<TenantProfile> ConfigureAsync(TenantSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.DisplayName))
        {
            throw new ArgumentException("A tenant needs a display name.", nameof(settings));
        }

        var now = timeProvider.GetUtcNow();
        state.State.Settings = settings;
        state.State.CreatedAt ??= now;
        state.State.UpdatedAt = now;
        state.State.Version++;
        await state.WriteStateAsync();
        return ToProfile();
    }

    private TenantProfile ToProfile() => new(
        this.GetPrimaryKeyString(),
        state.RecordExists,
        state.State.Settings,
        state.State.Version,
        state.State.CreatedAt,
        state.State.UpdatedAt);
}
