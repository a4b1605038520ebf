using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Settings of the archive stage, bound by the silo from <c>Pipeline:Archive</c>: when an object is cut
/// (the inherited <see cref="ArchiveFlushPolicy"/>, whose defaults these are), how often that is checked,
/// and where objects are written.
/// </summary>
public sealed record ArchiveOptions : ArchiveFlushPolicy
{
    /// <summary>
    /// Longest <see cref="ArchiveFlushPolicy.MaxAge"/> accepted, 10 minutes. A buffer holds its partition's checkpoint
    /// (<c>ICheckpointHolds</c>), so a crash replays the partition from before the oldest buffered event:
    /// the limit bounds that replay and the archive's lag, not correctness.
    /// </summary>
    public static readonly TimeSpan MaxAgeLimit = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Most bytes all archive buffers of a silo hold together, 256 MiB by default. Each buffer is bounded by
    /// <see cref="ArchiveFlushPolicy.MaxBytes"/>, so without this a silo would hold up to that much per tenant
    /// shard it processes (8 GiB for 1,000 busy shards); over it, the largest buffers are written early, as
    /// smaller objects. At least <see cref="ArchiveFlushPolicy.MaxBytes"/>.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = 256L << 20;

    /// <summary>How often the archive stage looks at the age of its buffer, 1 s: that much extra archive lag at most.</summary>
    public TimeSpan FlushCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Local mode: the archive's root directory; empty means <c>{DataDirectory}/archive</c>.</summary>
    public string Directory { get; init; } = "";

    /// <summary>Azure mode: the Blob container, created when missing.</summary>
    public string Container { get; init; } = "archive";

    /// <summary>
    /// Azure mode: Blob service URI, e.g. <c>https://contoso.blob.core.windows.net</c>, reached with
    /// DefaultAzureCredential; empty uses <c>Pipeline:Azure:StorageConnectionString</c>.
    /// </summary>
    public string BlobServiceUri { get; init; } = "";
}
