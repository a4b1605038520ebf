using System.Diagnostics;
using System.Globalization;
using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>
/// Azurite: Table storage for clustering, grain state and checkpoints, Blob storage for the archive.
/// The harness does not inject faults into it; it is the cloud's storage, not the pipeline.
/// </summary>
public sealed class AzuriteNode : IAsyncDisposable
{
    // Azurite's documented development account; it opens nothing but Azurite.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly int[] _ports = LoopbackPorts.Free(3);

    private AzuriteNode(RepositoryLayout layout, string dataDirectory, string logPath)
    {
        var start = new ProcessStartInfo("node");
        foreach (var argument in new[]
        {
            layout.AzuriteScript, "--silent", "--location", dataDirectory, "--skipApiVersionCheck", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", Port(0), "--queueHost", "127.0.0.1", "--queuePort", Port(1),
            "--tableHost", "127.0.0.1", "--tablePort", Port(2),
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process = new ChildProcess("azurite", start, logPath);
    }

    public ChildProcess Process { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_ports[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_ports[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_ports[2]}/devstoreaccount1;";

    public static async Task<AzuriteNode> StartAsync(RepositoryLayout layout, string workDirectory, CancellationToken cancellationToken)
    {
        var data = Directory.CreateDirectory(Path.Combine(workDirectory, "azurite")).FullName;
        var node = new AzuriteNode(layout, data, Path.Combine(workDirectory, "azurite.log"));
        node.Process.Start();
        foreach (var port in node._ports)
        {
            await Readiness.WaitAsync(node.Process, Readiness.Listens(port), TimeSpan.FromSeconds(60), cancellationToken);
        }

        return node;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private string Port(int index) => _ports[index].ToString(CultureInfo.InvariantCulture);
}
