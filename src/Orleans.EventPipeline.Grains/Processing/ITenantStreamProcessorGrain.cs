namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>The normalize, enrich and archive stages of one tenant stream key; activated by its raw stream.</summary>
public interface ITenantStreamProcessorGrain : IGrainWithStringKey
{
    /// <summary>Writes out the archive buffer now; returns the raw-stream sequence number archived through.</summary>
    Task<long> FlushAsync();

    /// <summary>
    /// For a delete with <c>data=remove</c>, after its first step and before it lists the tenant's data: reads the
    /// generations the tenant grain names removed, drops from now on the batches stamped with one of them, and drops what
    /// this stream key holds that was not written yet (its archive buffer, its keyed batches not recorded, the order
    /// stage's buffer), all of it taken before the tenant was disabled. Runs in a turn of its own: no archive write is
    /// half done meanwhile. Nothing is dropped unless the tenant is still at <paramref name="removalVersion"/>, the version
    /// the delete's first step left, and disabled: a call that arrives late, after the delete was overtaken (a create
    /// again, a later change), finds another version and drops only batches of removed generations.
    /// Returns the events dropped from the archive buffer.
    /// </summary>
    Task<int> DropRemovedDataAsync(long removalVersion);
}
