namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// When an archive buffer must be written out: whichever of size, count or age comes first. The defaults
/// here are the only ones: the host's archive settings (<c>Pipeline:Archive</c>) extend this record.
/// </summary>
public record ArchiveFlushPolicy
{
    private static readonly ArchiveFlushPolicy Defaults = new();

    /// <summary>
    /// Uncompressed NDJSON bytes. 8 MiB compresses to 1-1.5 MB of zstd for typical logs: large enough for
    /// cheap storage listing and reads, small enough to rebuild quickly on replay. Each busy stream key holds a
    /// buffer of this size (and an eighth) between its flushes, so the size is a silo's memory per busy shard:
    /// at 16 MiB a silo's peak resident memory was 3-11 % higher under the same load (docs/PERFORMANCE.md,
    /// "Archive objects of 8 MiB").
    /// </summary>
    public long MaxBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Events per object; 100,000 is 2 s of a 50,000 events/s tenant.</summary>
    public int MaxEvents { get; init; } = 100_000;

    /// <summary>How long the oldest buffered batch may wait: the archive's lag for a quiet tenant.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(10);

    public bool IsDue(long bytes, int events, TimeSpan age) =>
        events > 0 && (bytes >= MaxBytes || events >= MaxEvents || age >= MaxAge);

    /// <summary>Every value the writer cannot work with, each with the fix.</summary>
    /// <param name="path">Where the policy was configured, named in each message, e.g. <c>Pipeline:Archive</c>.</param>
    public IReadOnlyList<string> Validate(string path = "Archive")
    {
        var errors = new List<string>();
        if (MaxBytes < 1024)
        {
            errors.Add($"{path}:MaxBytes {MaxBytes} is below 1024: use a few MiB (default {Defaults.MaxBytes}) so objects are not tiny.");
        }

        if (MaxEvents < 1)
        {
            errors.Add($"{path}:MaxEvents {MaxEvents} must be at least 1 (default {Defaults.MaxEvents}).");
        }

        if (MaxAge <= TimeSpan.Zero || MaxAge > TimeSpan.FromHours(1))
        {
            errors.Add($"{path}:MaxAge {MaxAge} is out of range: use more than 0 and at most 01:00:00 (default {Defaults.MaxAge}).");
        }

        return errors;
    }
}
