namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Settings of local mode, under <c>Pipeline:Local</c>.</summary>
public sealed class LocalModeOptions
{
    /// <summary>Loopback port of the embedded Event Hubs emulator (AMQP); 0 picks a free one.</summary>
    public int EventHubsPort { get; set; } = 5673;

    /// <summary>Partitions of the embedded event hub: the unit of parallel stream processing.</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// SAS key of the embedded emulator's <c>RootManageSharedAccessKey</c>. Empty (the default) makes
    /// a random key at each start; set it to read the stream with an Event Hubs client of your own.
    /// </summary>
    public string EventHubsSharedAccessKey { get; set; } = "";
}
