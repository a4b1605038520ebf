using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>
/// The standalone Event Hubs emulator (Orleans.EventPipeline.EventHubsEmulator.Host) as the cluster's
/// Event Hubs, its log on a tmpfs of its own so the harness can fill that disk under it.
/// </summary>
internal sealed class EmulatorNode : IAsyncDisposable
{
    public const string HubName = "events";
    private const string KeyName = "RootManageSharedAccessKey";
    private const string Key = "ZmF1bHQtaGFybmVzcy1ldmVudGh1YnMta2V5LTAx";

    private EmulatorNode(RepositoryLayout layout, string dataDirectory, int partitions, string logPath)
    {
        Port = FreeTcpPorts.Pick(1)[0];
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(layout.EmulatorAssembly)! };
        foreach (var argument in new[]
        {
            layout.EmulatorAssembly,
            $"--EventHubsEmulator:Port={Port.ToString(CultureInfo.InvariantCulture)}",
            $"--EventHubsEmulator:DataDirectory={dataDirectory}",
            $"--EventHubsEmulator:Hubs:{HubName}:PartitionCount={partitions.ToString(CultureInfo.InvariantCulture)}",
            $"--EventHubsEmulator:SharedAccessKeys:{KeyName}={Key}",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process = new ChildProcess("emulator", start, logPath);
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    public string ConnectionString =>
        $"Endpoint=sb://127.0.0.1:{Port};SharedAccessKeyName={KeyName};SharedAccessKey={Key};UseDevelopmentEmulator=true";

    public static async Task<EmulatorNode> StartAsync(RepositoryLayout layout, string dataDirectory, int partitions, string workDirectory, CancellationToken cancellationToken)
    {
        var node = new EmulatorNode(layout, dataDirectory, partitions, Path.Combine(workDirectory, "emulator.log"));
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
