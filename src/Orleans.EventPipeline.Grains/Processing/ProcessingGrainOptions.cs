namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>Settings of the processing stages, bound by the silo from <c>Pipeline:Processing</c>.</summary>
public sealed class ProcessingGrainOptions
{
    /// <summary>
    /// Whether this silo runs stream receivers, and with them the processing stages (normalize, enrich,
    /// archive, dead-letter counting) on the tenant streams. A silo with false is handed no partitions;
    /// false on every silo makes an ingest-only cluster, for when consumers outside Orleans read Event Hubs.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often a processing grain checks whether its tenant's settings changed. 10 s: a settings change
    /// reaches the tenant's events within that, for one interleaved profile read per stream key.
    /// </summary>
    public TimeSpan SettingsRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Dead letters kept per tenant for listing and replay, 500, newest kept; older ones are past: no longer listed or
    /// replayed, read back page by page. Both are objects of the archive store; the state keeps 4 bytes per kept letter
    /// (its size) and about 40 per object, 22 KB at most for 500.
    /// </summary>
    public int RetainedDeadLetters { get; set; } = 500;

    /// <summary>Raw bytes kept per tenant across the retained dead letters, 1 MiB; older letters become past first.</summary>
    public int RetainedDeadLetterBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Letter messages of requests with an Idempotency-Key remembered per tenant, 1,000, so a retry of such a
    /// request (same batch id) does not count its rejected lines twice. About 40 bytes each in the tenant's
    /// dead-letter state, 40 KB at most; a retry that comes after this many later keyed letter messages of
    /// its tenant is counted again.
    /// </summary>
    public int RememberedKeyedLetterMessages { get; set; } = 1_000;

    /// <summary>
    /// Most bytes the order stages' reorder buffers of this silo hold together, 128 MiB: each event is held
    /// serialized, a batch's events in shared arrays of about <see cref="Processing.Ordering.ReorderBuffer.SlabBytes"/>,
    /// each counted whole while any of its events is held (the load tool's 500-byte JSON event is 891 bytes
    /// serialized, 955 with its queue entry). A buffer asked to shrink frees memory an array at a time, so one
    /// whose share is under an array releases all of an array's events early. Each buffer holds its tenant's
    /// lateness window: 5 s of 50,000 events/s would be ~240 MB. 128 MiB keeps the full 5 s window up to about
    /// 28,000 ordered events/s per silo; at 50,000 the silo measured 1.4-1.5 GiB resident and an ACK p99 of
    /// 28-109 ms from 20 s on (64 MiB: 1.3 GiB; docs/PERFORMANCE.md). Over the budget, the largest buffers
    /// release their oldest events early (their window shrinks while the silo is that busy; events later than
    /// what was released come out flagged late, none is dropped).
    /// At least <see cref="LeastMaxReorderBytes"/>.
    /// </summary>
    public long MaxReorderBytes { get; set; } = 128L << 20;

    /// <summary>Smallest allowed <see cref="MaxReorderBytes"/>: 1 MiB.</summary>
    public const long LeastMaxReorderBytes = 1L << 20;
}
