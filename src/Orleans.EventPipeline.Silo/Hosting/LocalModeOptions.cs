namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Settings of local mode, under <c>Pipeline:Local</c>.</summary>
public sealed class LocalModeOptions
{
    /// <summary>Segment file size of the embedded emulator, 64 MiB: the unit retention deletes.</summary>
    internal const long SegmentBytes = 64L << 20;

    /// <summary>Loopback port of the embedded Event Hubs emulator (AMQP); 0 picks a free one.</summary>
    public int EventHubsPort { get; set; } = 5673;

    /// <summary>Partitions of the embedded event hub: the unit of parallel stream processing.</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// SAS key of the embedded emulator's <c>RootManageSharedAccessKey</c>. Empty (the default) makes
    /// a random key at each start; set it to read the stream with an Event Hubs client of your own.
    /// </summary>
    public string EventHubsSharedAccessKey { get; set; } = "";

    /// <summary>
    /// Bytes the embedded emulator keeps per partition before it deletes the oldest 64 MiB segments;
    /// default 4 GiB. A subscriber further behind than this loses the deleted events, so size it for
    /// the longest subscriber outage at the ingest rate: 4 GiB over 4 partitions is 11 minutes at
    /// 25 MB/s (50,000 events/s of 500 B), 40 s at the 400 MB/s peak of docs/PERFORMANCE.md.
    /// </summary>
    public long RetentionBytesPerPartition { get; set; } = 4L << 30;

    /// <summary>How long the embedded emulator keeps events, whatever their size; default 7 days.</summary>
    public TimeSpan RetentionPeriod { get; set; } = TimeSpan.FromDays(7);
}
