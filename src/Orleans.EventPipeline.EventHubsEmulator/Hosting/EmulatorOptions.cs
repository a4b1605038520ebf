namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>Configuration of the Event Hubs emulator (section <c>EventHubsEmulator</c> in the host).</summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "EventHubsEmulator";

    /// <summary>IP address to listen on. Loopback by default: the emulator speaks plain AMQP without TLS.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 5672 is the AMQP default the SDK uses in emulator mode. 0 picks a free port (see <see cref="EventHubsEmulatorServer.Endpoint"/>).</summary>
    public int Port { get; set; } = 5672;

    /// <summary>Hubs by name. Configuration example: <c>EventHubsEmulator:Hubs:events:PartitionCount = 4</c>.</summary>
    public Dictionary<string, EventHubDefinition> Hubs { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Shared access keys by key name (e.g. <c>RootManageSharedAccessKey</c>); tokens signed with any other key are refused with 401.</summary>
    public Dictionary<string, string> SharedAccessKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Root folder of the partition logs, laid out as <c>{DataDirectory}/{hub}/{partition}/</c>.</summary>
    public string DataDirectory { get; set; } = "./.data/eventhubs";

    /// <summary>How long events are kept (whole segments older than this are deleted). Default 1 day, the service's default.</summary>
    public TimeSpan RetentionPeriod { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Bytes kept per partition before the oldest segments are deleted. Default 1 GiB.</summary>
    public long RetentionBytesPerPartition { get; set; } = 1L << 30;

    /// <summary>Size of one log segment file in bytes. Default 64 MiB.</summary>
    public long SegmentBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Time a new TCP connection has to complete the AMQP protocol header, SASL and the AMQP open;
    /// one that has not is closed, so a client that never sends a byte cannot hold a descriptor forever.
    /// Default 10 s: the SDK completes all three in a few round trips.
    /// </summary>
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connections held at once, opened or still opening; a new one above this is closed at once.
    /// Default 1000: a silo holds one per partition receiver plus its producers, far below this.
    /// </summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Largest transfer (single event or batch) a producer may send, in bytes. Default 1 MiB, the Standard tier's limit.</summary>
    public int MaxMessageSizeBytes { get; set; } = 1 << 20;
}
