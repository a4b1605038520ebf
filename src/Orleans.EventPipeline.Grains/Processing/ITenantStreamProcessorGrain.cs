namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>The normalize, enrich and archive stages of one tenant stream key; activated by its raw stream.</summary>
public interface ITenantStreamProcessorGrain : IGrainWithStringKey
{
    /// <summary>Writes out the archive buffer now; returns the raw-stream sequence number archived through.</summary>
    Task<long> FlushAsync();
}
