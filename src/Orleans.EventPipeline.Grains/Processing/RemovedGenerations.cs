using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Which data generations of a tenant a <c>DELETE ?data=remove</c> took, as a grain that archives or keeps the tenant's
/// events last learned them from the tenant grain; the processor and the dead-letter grain each hold one. A batch stamped
/// with the one generation last found kept costs one comparison; any other generation is looked up once (a tenant created
/// again after a delete sends under a new one, which then becomes the kept one).
/// </summary>
internal sealed class RemovedGenerations(IGrainFactory grains, string tenantId)
{
    private IReadOnlyList<Guid> _removed = [];
    private Guid? _kept;

    /// <summary>Whether a batch stamped with <paramref name="generation"/> belongs to removed data (unstamped: never).</summary>
    public ValueTask<bool> IsRemovedAsync(Guid? generation) =>
        generation is { } stamped && stamped != _kept ? LookUpAsync(stamped) : ValueTask.FromResult(false);

    /// <summary>Reads the tenant grain's list again (a delete's call, before it drops anything) and returns what it read.</summary>
    public async Task<TenantProfile> RefreshAsync()
    {
        var profile = await grains.GetGrain<ITenantGrain>(tenantId).GetProfileAsync();
        Learn(profile);
        return profile;
    }

    /// <summary>
    /// Takes the list from a profile read for another reason. With <paramref name="keepCurrent"/> the profile's own
    /// generation becomes the kept one unless removed (an activation's read); without, the kept one stays unless removed.
    /// </summary>
    public void Learn(TenantProfile profile, bool keepCurrent = false)
    {
        _removed = profile.RemovedGenerations;
        if (keepCurrent)
        {
            _kept = profile.IsRemoved(profile.DataGeneration) ? null : profile.DataGeneration;
        }
        else if (profile.IsRemoved(_kept))
        {
            _kept = null;
        }
    }

    private async ValueTask<bool> LookUpAsync(Guid generation)
    {
        if (_removed.Contains(generation))
        {
            return true;
        }

        var profile = await RefreshAsync();
        if (profile.IsRemoved(generation))
        {
            return true;
        }

        _kept = generation;
        return false;
    }
}
