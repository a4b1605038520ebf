namespace Orleans.EventPipeline.Processes;

/// <summary>How to start one silo process: the settings every caller gives, the rest are free loopback ports.</summary>
/// <param name="Name">Names the process in logs and failures, and its log file.</param>
/// <param name="DataDirectory"><c>Pipeline:DataDirectory</c>: the embedded emulator's log, SQLite and the archive in local mode.</param>
/// <param name="AdminKey"><c>Pipeline:AdminApiKey</c>.</param>
internal sealed record SiloStart(string Name, string DataDirectory, string AdminKey)
{
    /// <summary>Azure mode against these services; null: local mode with the embedded emulator.</summary>
    public AzureServices? Azure { get; init; }

    /// <summary>More settings, as <c>--Key=Value</c>, after the ones <see cref="SiloNode"/> sets (so they win).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>File the output is appended to; null keeps it in memory (<see cref="ChildProcess.Output"/>).</summary>
    public string? LogPath { get; init; }

    /// <summary>Where the process starts; null: the silo's own folder, so it loads its appsettings.json.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment variables of the process, e.g. a console log format.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The HTTP port (<c>Urls</c>); null: a free one. The local cluster gives its gateway a known one.</summary>
    public int? HttpPort { get; init; }

    /// <summary>The silo's assembly; null: the one built with the starting program (<see cref="BuiltHosts.Silo"/>).</summary>
    public string? Assembly { get; init; }
}

/// <summary>The services of azure mode: Table and Blob storage (Azurite here) and Event Hubs.</summary>
/// <param name="ClusterId">Also the ServiceId: the silos that share it form one cluster over the same storage.</param>
internal sealed record AzureServices(string StorageConnectionString, string EventHubsConnectionString, string ClusterId);
