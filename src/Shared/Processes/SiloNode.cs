using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

namespace Orleans.EventPipeline.Processes;

/// <summary>
/// One silo process (Orleans.EventPipeline.Silo) on free loopback ports, in local mode (embedded emulator,
/// SQLite, archive directory) or azure mode (<see cref="AzureServices"/>). Its ports stay the same across
/// restarts, as a pod's would. Tests, the fault harness and the load tool start silos through this.
/// </summary>
internal sealed class SiloNode : IAsyncDisposable
{
    private readonly HttpClient _probe;

    private SiloNode(SiloStart settings)
    {
        Settings = settings;
        var local = settings.Azure is null;
        var ports = FreeTcpPorts.Pick(local ? 5 : 4);
        Url = new Uri($"http://127.0.0.1:{settings.HttpPort ?? ports[0]}");
        SiloPort = ports[1];
        GatewayPort = ports[2];
        OtlpGrpcUrl = new Uri($"http://127.0.0.1:{ports[3]}");
        EventHubsPort = local ? ports[4] : 0;
        _probe = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var assembly = Path.GetFullPath(settings.Assembly ?? BuiltHosts.Silo);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = settings.WorkingDirectory ?? Path.GetDirectoryName(assembly)! };
        foreach (var argument in Arguments(settings, Url, SiloPort, GatewayPort, ports[3], EventHubsPort).Prepend(assembly))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in settings.Environment)
        {
            start.Environment[name] = value;
        }

        Process = new ChildProcess(settings.Name, start, settings.LogPath);
    }

    /// <summary>
    /// The silo's settings, as <c>--Key=Value</c>, for these ports (<paramref name="eventHubsPort"/>: the
    /// embedded emulator's, local mode only): the ones every silo needs, azure mode's, then the caller's.
    /// </summary>
    public static IReadOnlyList<string> Arguments(SiloStart settings, Uri url, int siloPort, int gatewayPort, int otlpGrpcPort, int eventHubsPort)
    {
        var arguments = new List<string>
        {
            $"--Urls={url.GetLeftPart(UriPartial.Authority)}",
            $"--Pipeline:DataDirectory={settings.DataDirectory}",
            $"--Pipeline:SiloPort={Invariant(siloPort)}",
            $"--Pipeline:GatewayPort={Invariant(gatewayPort)}",
            $"--Pipeline:Shippers:OtlpGrpcPort={Invariant(otlpGrpcPort)}",
            $"--Pipeline:AdminApiKey={settings.AdminKey}",
        };
        if (settings.Azure is { } azure)
        {
            arguments.AddRange(
            [
                "--Pipeline:Mode=Azure",
                "--Pipeline:AdvertisedAddress=127.0.0.1",
                $"--Pipeline:ClusterId={azure.ClusterId}",
                $"--Pipeline:ServiceId={azure.ClusterId}",
                $"--Pipeline:Azure:StorageConnectionString={azure.StorageConnectionString}",
                $"--Pipeline:Azure:EventHubsConnectionString={azure.EventHubsConnectionString}",
            ]);
        }
        else
        {
            arguments.Add($"--Pipeline:Local:EventHubsPort={Invariant(eventHubsPort)}");
            arguments.Add($"--Pipeline:Local:EventHubsSharedAccessKey={EmbeddedEventHubsKey}");
        }

        arguments.AddRange(settings.Arguments);
        return arguments;
    }

    /// <summary>SAS key of the embedded emulator in local mode, so a caller can read or write the hub directly.</summary>
    public const string EmbeddedEventHubsKey = "cGlwZWxpbmUtcHJvY2Vzc2VzLWVtYmVkZGVkLWtleQ==";

    public SiloStart Settings { get; }

    public ChildProcess Process { get; }

    /// <summary>HTTP: ingest, admin, health (<c>Urls</c>).</summary>
    public Uri Url { get; }

    /// <summary>OTLP over gRPC (h2c), <c>Pipeline:Shippers:OtlpGrpcPort</c>.</summary>
    public Uri OtlpGrpcUrl { get; }

    /// <summary>The port other silos connect to, <c>Pipeline:SiloPort</c>.</summary>
    public int SiloPort { get; }

    /// <summary>The Orleans client gateway port, <c>Pipeline:GatewayPort</c>.</summary>
    public int GatewayPort { get; }

    /// <summary>The embedded emulator's port in local mode; 0 in azure mode.</summary>
    public int EventHubsPort { get; }

    /// <summary>The hub the silo writes to, for the real SDK: the embedded emulator's, or azure mode's with the hub's name.</summary>
    public string EventHubsConnectionString => Settings.Azure is { } azure
        ? $"{azure.EventHubsConnectionString};EntityPath={EmulatorNode.HubName}"
        : $"Endpoint=sb://127.0.0.1:{EventHubsPort};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={EmbeddedEventHubsKey};UseDevelopmentEmulator=true;EntityPath={EmulatorNode.HubName}";

    /// <summary>Where a local-mode silo keeps its archive (<c>Pipeline:Archive</c>'s default).</summary>
    public string ArchiveDirectory => Path.Combine(Settings.DataDirectory, "archive");

    /// <summary>Created, not started: <see cref="ChildProcess.Start"/> it, then <see cref="WaitReadyAsync"/>.</summary>
    public static SiloNode Create(SiloStart settings) => new(settings);

    /// <summary>Started and ready.</summary>
    public static async Task<SiloNode> StartAsync(SiloStart settings, CancellationToken cancellationToken)
    {
        var node = new SiloNode(settings);
        try
        {
            await node.RestartAsync(cancellationToken);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
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

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
