using Orleans.EventPipeline.Admin;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Grains.Admin;

/// <summary>The stored mark of a signed-out <c>/ui</c> session: a session never signed out has no record.</summary>
[GenerateSerializer]
public sealed class AdminSessionState
{
    [Id(0)] public bool Ended { get; set; }
}

/// <summary>
/// A session's sign-out, stored so that it outlives the silo (a restart must not take a signed-out cookie back).
/// Only a sign-out writes: a dashboard page's check reads, once per activation.
/// </summary>
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
public sealed class AdminSessionGrain(
    [PersistentState("adminsession", PipelineStorage.Tenants)] IPersistentState<AdminSessionState> state) : Grain, IAdminSessionGrain
{
    public async Task EndAsync()
    {
        if (!state.State.Ended)
        {
            state.State.Ended = true;
            await state.WriteStateAsync();
        }
    }

    public Task<bool> IsEndedAsync() => Task.FromResult(state.State.Ended);
}
