namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Where and how the archive stage writes, under <c>Pipeline:Archive</c>.</summary>
public sealed class ProcessingArchiveOptions
{
    /// <summary>
    /// Longest <see cref="MaxAge"/> accepted, 10 minutes. A buffer holds its partition's checkpoint
    /// (<c>ICheckpointHolds</c>), so a crash replays the partition from before the oldest buffered event:
    /// the limit bounds that replay and the archive's lag, not correctness.
    /// </summary>
    public static readonly TimeSpan MaxAgeLimit = TimeSpan.FromMinutes(10);

    /// <summary>Local mode: the archive's root directory; empty means <c>{DataDirectory}/archive</c>.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Azure mode: the Blob container, created when missing.</summary>
    public string Container { get; set; } = "archive";

    /// <summary>
    /// Azure mode: Blob service URI, e.g. <c>https://contoso.blob.core.windows.net</c>, reached with
    /// DefaultAzureCredential; empty uses <c>Pipeline:Azure:StorageConnectionString</c>.
    /// </summary>
    public string BlobServiceUri { get; set; } = "";

    /// <summary>Uncompressed bytes per object, 16 MiB (2-3 MB of zstd for typical logs).</summary>
    public long MaxBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Events per object; 100,000 is 2 s of a 50,000 events/s tenant.</summary>
    public int MaxEvents { get; set; } = 100_000;

    /// <summary>How long the oldest buffered event waits, 10 s: the archive lag of a quiet tenant (busy ones fill MaxEvents sooner).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a buffer's age is checked, 1 s.</summary>
    public TimeSpan FlushCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Every wrong setting, each with the fix.</summary>
    public IEnumerable<string> Validate(PipelineMode mode, AzureModeOptions azure)
    {
        ArgumentNullException.ThrowIfNull(azure);
        var policy = new Processing.Archive.ArchiveFlushPolicy { MaxBytes = MaxBytes, MaxEvents = MaxEvents, MaxAge = MaxAge };
        foreach (var problem in policy.Validate())
        {
            yield return "Pipeline:" + problem;
        }

        if (MaxAge > MaxAgeLimit)
        {
            yield return $"Pipeline:Archive:MaxAge {MaxAge} is longer than {MaxAgeLimit}: a buffer holds its partition's checkpoint, and a crash replays the partition from its oldest event; use at most {MaxAgeLimit}.";
        }

        if (FlushCheckInterval <= TimeSpan.Zero || FlushCheckInterval > MaxAge)
        {
            yield return $"Pipeline:Archive:FlushCheckInterval {FlushCheckInterval} must be above 0 and at most Pipeline:Archive:MaxAge ({MaxAge}); the default is 00:00:01.";
        }

        if (mode == PipelineMode.Azure)
        {
            if (string.IsNullOrWhiteSpace(BlobServiceUri) && string.IsNullOrWhiteSpace(azure.StorageConnectionString))
            {
                yield return "Azure mode archives to Blob storage: set Pipeline:Archive:BlobServiceUri (with DefaultAzureCredential) or Pipeline:Azure:StorageConnectionString.";
            }

            if (!string.IsNullOrWhiteSpace(BlobServiceUri) && !Uri.TryCreate(BlobServiceUri, UriKind.Absolute, out _))
            {
                yield return $"Pipeline:Archive:BlobServiceUri '{BlobServiceUri}' is not an absolute URI: use e.g. https://contoso.blob.core.windows.net.";
            }

            // Blob container names: 3-63 lower-case letters, digits and single dashes.
            if (Container.Length is < 3 or > 63 || !Container.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                yield return $"Pipeline:Archive:Container '{Container}' is not a Blob container name: use 3 to 63 lower-case letters, digits and '-'.";
            }
        }
    }
}
