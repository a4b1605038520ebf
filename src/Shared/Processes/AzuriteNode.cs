using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.Processes;

/// <summary>
/// Azurite (Azure Storage's emulator, installed by ./test.sh from infra/test-deps) on free loopback ports:
/// Table storage for clustering, grain state and checkpoints, Blob storage for the archive in azure mode.
/// </summary>
internal sealed class AzuriteNode : IAsyncDisposable
{
    // Azurite's documented development account; it only opens Azurite.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly int[] _ports;

    private AzuriteNode(ChildProcess process, int[] ports)
    {
        Process = process;
        _ports = ports;
    }

    public ChildProcess Process { get; }

    public string ConnectionString => ConnectionStringFor(_ports);

    /// <summary>The connection string of an Azurite on these Blob, Queue and Table ports (in that order).</summary>
    public static string ConnectionStringFor(IReadOnlyList<int> ports) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{ports[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ports[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{ports[2]}/devstoreaccount1;";

    /// <summary>
    /// The arguments of <c>node</c> that start Azurite on these Blob, Queue and Table ports (in that order) on
    /// loopback, its data in <paramref name="dataDirectory"/>; the first is the installed script.
    /// </summary>
    public static IReadOnlyList<string> Arguments(string dataDirectory, IReadOnlyList<int> ports)
    {
        var root = typeof(AzuriteNode).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(static a => a.Key == "RepositoryRoot").Value!;
        var azurite = Path.GetFullPath(Path.Combine(root, "infra", "test-deps", "node_modules", "azurite", "dist", "src", "azurite.js"));
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run ./test.sh, or 'npm ci --prefix infra/test-deps'.");
        }

        return
        [
            azurite, "--silent", "--location", dataDirectory, "--skipApiVersionCheck", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(CultureInfo.InvariantCulture),
        ];
    }

    /// <param name="logPath">Where its output goes; null keeps it in memory (<see cref="ChildProcess.Output"/>).</param>
    public static async Task<AzuriteNode> StartAsync(string dataDirectory, string? logPath = null, CancellationToken cancellationToken = default)
    {
        var ports = FreeTcpPorts.Pick(3);
        var start = new ProcessStartInfo("node");
        foreach (var argument in Arguments(dataDirectory, ports))
        {
            start.ArgumentList.Add(argument);
        }

        var node = new AzuriteNode(new ChildProcess("azurite", start, logPath), ports);
        try
        {
            node.Process.Start();
            foreach (var port in ports)
            {
                await Readiness.WaitAsync(node.Process, Readiness.Listens(port), TimeSpan.FromSeconds(60), cancellationToken);
            }

            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
