using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Processes;

namespace Orleans.EventPipeline.Deploy.Tests.LocalCluster;

/// <summary>
/// The local cluster command (src/Orleans.EventPipeline.LocalCluster) brings up Azurite, the emulator, one
/// gateway and two processors; a batch posted to the gateway is archived, every event once; SIGTERM stops
/// every process it started.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class LocalClusterTests
{
    private static readonly string[] Silos = ["gateway", "processor-1", "processor-2"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task LocalCluster_OneCommand_GatewayAndTwoProcessors_APostedBatchIsArchivedOnce_SigtermStopsEverything()
    {
        using var work = new TempDirectory();
        var lines = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var start = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { Repository.Metadata("LocalClusterAssemblyPath"), "--http-port", "0", "--data", work.File("cluster") })
        {
            start.ArgumentList.Add(argument);
        }

        await using var cluster = new ChildProcess("local-cluster", start, logPath: null);
        cluster.Line += line =>
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith(' '))
            {
                lines[line[..colon]] = line[(colon + 2)..];
            }
        };
        cluster.Start();
        await Readiness.WaitAsync(cluster, () => Task.FromResult(lines.ContainsKey("ready")), StartTimeout, CancellationToken.None);

        var gateway = new Uri(lines["gateway"]);
        Assert.True(lines.ContainsKey("processor-1") && lines.ContainsKey("processor-2") && !lines.ContainsKey("processor-3"), $"Not one gateway and two processors: {cluster.Output}");
        await ArchivedRoundTrip.AssertAsync(gateway, lines["admin-key"], "local-cluster", lines["storage"], lines["archive-container"]);

        // SIGTERM, as Ctrl+C: the command stops every process it started and exits 0.
        var silos = Silos.Select(name => new Uri(lines[name].Split(' ')[0]).Port).ToList();
        Assert.Equal(0, await cluster.TerminateAsync(TimeSpan.FromSeconds(90)));
        foreach (var port in silos)
        {
            Assert.False(await LoopbackProbe.AcceptsAsync(port), $"A silo still listens on {port} after the command stopped: {cluster.Output}");
        }
    }
}
