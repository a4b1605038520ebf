using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>Settings of the processing grains, set by the silo from <c>Pipeline:Archive</c> and <c>Pipeline:Processing</c>.</summary>
public sealed class ProcessingGrainOptions
{
    /// <summary>When an archive object is cut: size, count or age, whichever comes first.</summary>
    public ArchiveFlushPolicy Archive { get; set; } = new();

    /// <summary>
    /// How often a processing grain checks whether its tenant's settings changed. 10 s: a settings change
    /// reaches the tenant's events within that, for one interleaved profile read per stream key.
    /// </summary>
    public TimeSpan SettingsRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the archive stage looks at the age of its buffer; 1 s of extra archive lag at most.</summary>
    public TimeSpan FlushCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Dead letters kept per tenant for listing and replay, newest kept. The letters are objects of the
    /// archive store; the state keeps 4 bytes per letter (its size) and about 40 per object, 22 KB at most for 500.
    /// </summary>
    public int RetainedDeadLetters { get; set; } = 500;

    /// <summary>Raw bytes kept per tenant across the retained dead letters, 1 MiB; older letters go first.</summary>
    public int RetainedDeadLetterBytes { get; set; } = 1024 * 1024;
}
