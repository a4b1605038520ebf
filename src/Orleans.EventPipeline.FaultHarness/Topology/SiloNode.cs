using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>
/// One silo process in azure mode: Azurite for clustering, grain state, checkpoints and the archive,
/// the emulator as Event Hubs. Its ports stay the same across restarts, as a pod's would.
/// </summary>
internal sealed class SiloNode : IAsyncDisposable
{
    /// <summary>Admin key of every silo the harness starts.</summary>
    public const string AdminKey = "fault-harness-admin-key-0123456789";

    private readonly HttpClient _probe;

    private SiloNode(string name, RepositoryLayout layout, string workDirectory, string storageConnectionString, EmulatorNode emulator, IReadOnlyList<string> extraArguments)
    {
        var ports = FreeTcpPorts.Pick(4);
        Url = new Uri($"http://127.0.0.1:{ports[0]}");
        _probe = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(layout.SiloAssembly)! };
        foreach (var argument in new[]
        {
            layout.SiloAssembly,
            $"--Urls={Url.GetLeftPart(UriPartial.Authority)}",
            $"--Pipeline:DataDirectory={Directory.CreateDirectory(Path.Combine(workDirectory, name)).FullName}",
            $"--Pipeline:SiloPort={ports[1].ToString(CultureInfo.InvariantCulture)}",
            $"--Pipeline:GatewayPort={ports[2].ToString(CultureInfo.InvariantCulture)}",
            $"--Pipeline:Shippers:OtlpGrpcPort={ports[3].ToString(CultureInfo.InvariantCulture)}",
            "--Pipeline:AdvertisedAddress=127.0.0.1",
            "--Pipeline:Mode=Azure",
            "--Pipeline:ClusterId=fault-harness",
            "--Pipeline:ServiceId=fault-harness",
            $"--Pipeline:Azure:StorageConnectionString={storageConnectionString}",
            $"--Pipeline:Azure:EventHubsConnectionString={emulator.ConnectionString}",
            $"--Pipeline:AdminApiKey={AdminKey}",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process = new ChildProcess(name, start, Path.Combine(workDirectory, name + ".log"));
    }

    public ChildProcess Process { get; }

    public Uri Url { get; }

    public static async Task<SiloNode> StartAsync(string name, RepositoryLayout layout, string workDirectory, string storageConnectionString, EmulatorNode emulator, IReadOnlyList<string> extraArguments, CancellationToken cancellationToken)
    {
        var node = new SiloNode(name, layout, workDirectory, storageConnectionString, emulator, extraArguments);
        await node.RestartAsync(cancellationToken);
        return node;
    }

    /// <summary>Starts the process (again) and waits until <c>/readyz</c> answers 200.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        Process.Start();
        await WaitReadyAsync(TimeSpan.FromSeconds(120), cancellationToken);
    }

    public Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Readiness.WaitAsync(Process, Readiness.Answers200(_probe, new Uri("/readyz", UriKind.Relative)), timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _probe.Dispose();
    }
}
