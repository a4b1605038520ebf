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
    /// <summary>
    /// Ended only once stored: a write that fails leaves the session as it was, in memory too, so the sign-out can be
    /// tried again with the same cookie. Marked first and kept after a failed write, it read as ended until the
    /// activation was collected or the silo restarted, then the cookie worked again, while the page that could retry
    /// the sign-out already refused it (helper-142).
    /// </summary>
    public async Task EndAsync()
    {
        if (state.State.Ended)
        {
            return;
        }

        state.State.Ended = true;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Ended = false;
            throw;
        }
    }

    public Task<bool> IsEndedAsync() => Task.FromResult(state.State.Ended);
}
