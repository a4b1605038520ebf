using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Processes;

/// <summary>
/// The standalone Event Hubs emulator (Orleans.EventPipeline.EventHubsEmulator.Host) as a cluster's Event
/// Hubs, on a free loopback port that stays the same across restarts, its log where the caller says (the
/// fault harness puts it on a tmpfs of its own to fill that disk under it).
/// </summary>
internal sealed class EmulatorNode : IAsyncDisposable
{
    public const string HubName = "events";
    private const string KeyName = "RootManageSharedAccessKey";
    private const string Key = "cGlwZWxpbmUtcHJvY2Vzc2VzLWV2ZW50aHVicy1rZXk=";

    private EmulatorNode(string dataDirectory, int partitions, string? logPath)
    {
        Port = FreeTcpPorts.Pick(1)[0];
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(BuiltHosts.Emulator)! };
        foreach (var argument in Arguments(Port, dataDirectory, partitions).Prepend(BuiltHosts.Emulator))
        {
            start.ArgumentList.Add(argument);
        }

        Process = new ChildProcess("emulator", start, logPath);
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    /// <summary>The namespace's connection string, without an entity path (the silos name the hub themselves).</summary>
    public string ConnectionString => ConnectionStringFor(Port);

    /// <summary>The namespace's connection string of an emulator on this port, without an entity path.</summary>
    public static string ConnectionStringFor(int port) =>
        $"Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName={KeyName};SharedAccessKey={Key};UseDevelopmentEmulator=true";

    /// <summary>The emulator host's settings, as <c>--Key=Value</c>: one hub of <paramref name="partitions"/> partitions on this port.</summary>
    public static IReadOnlyList<string> Arguments(int port, string dataDirectory, int partitions) =>
    [
        $"--EventHubsEmulator:Port={port.ToString(CultureInfo.InvariantCulture)}",
        $"--EventHubsEmulator:DataDirectory={dataDirectory}",
        $"--EventHubsEmulator:Hubs:{HubName}:PartitionCount={partitions.ToString(CultureInfo.InvariantCulture)}",
        $"--EventHubsEmulator:SharedAccessKeys:{KeyName}={Key}",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <param name="logPath">Where its output goes; null keeps it in memory (<see cref="ChildProcess.Output"/>).</param>
    public static async Task<EmulatorNode> StartAsync(string dataDirectory, int partitions, string? logPath, CancellationToken cancellationToken)
    {
        var node = new EmulatorNode(dataDirectory, partitions, logPath);
        await node.RestartAsync(cancellationToken);
        return node;
    }

    /// <summary>Starts the process (again, on the same port and data) and waits until it accepts connections.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        Process.Start();
        await Readiness.WaitAsync(Process, Readiness.Listens(Port), TimeSpan.FromSeconds(90), cancellationToken);
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
