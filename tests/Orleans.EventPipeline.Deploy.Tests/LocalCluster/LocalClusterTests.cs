using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.Administration;
using Orleans.EventPipeline.Audit;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Deploy.Tests.LocalCluster;

/// <summary>
/// The local cluster command (src/Orleans.EventPipeline.LocalCluster) brings up Azurite, the emulator, one
/// gateway and two processors; a batch posted to the gateway is archived, every event once; SIGTERM stops
/// every process it started.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class LocalClusterTests
{
    private const int Events = 25;
    private static readonly string[] Silos = ["gateway", "processor-1", "processor-2"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan ArchiveTimeout = TimeSpan.FromSeconds(120);

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
        var posted = DateTimeOffset.UtcNow;
        cluster.Start();
        await Readiness.WaitAsync(cluster, () => Task.FromResult(lines.ContainsKey("ready")), StartTimeout, CancellationToken.None);

        var gateway = new Uri(lines["gateway"]);
        Assert.True(lines.ContainsKey("processor-1") && lines.ContainsKey("processor-2") && !lines.ContainsKey("processor-3"), $"Not one gateway and two processors: {cluster.Output}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using (var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(gateway, "/readyz"))))
        {
            Assert.Equal("Healthy", ready.RootElement.GetProperty("checks").GetProperty("processors").GetProperty("status").GetString());
        }

        var key = await TenantAdmin.CreateWithKeyAsync(http, gateway, lines["admin-key"], "local-cluster", new { displayName = "Local cluster" }, "test");
        var body = string.Join('\n', Enumerable.Range(0, Events).Select(static i => $$"""{"n":{{i}},"message":"event {{i}}"}"""));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/events")) { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("Idempotency-Key", "local-cluster-batch-1");
        using var answer = await http.SendAsync(request);
        var acknowledged = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, acknowledged);
        using var response = JsonDocument.Parse(acknowledged);
        Assert.Equal(Events, response.RootElement.GetProperty("accepted").GetInt32());
        var batch = response.RootElement.GetProperty("batchId").GetString();

        // The processors archive to Azurite's Blob container; poll it until every event is there.
        var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(lines["storage"], lines["archive-container"]), CancellationToken.None);
        var archive = new ArchiveReadback<string>(store, static e => e.EventId, posted, TimeProvider.System);
        var deadline = DateTime.UtcNow + ArchiveTimeout;
        List<string> archived;
        while ((archived = [.. (await archive.ReadAsync("local-cluster", again: false, CancellationToken.None)).SelectMany(static o => o.Events)]).Count < Events && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(Enumerable.Range(0, Events).Select(i => $"{batch}:{i}").Order(StringComparer.Ordinal), archived.Order(StringComparer.Ordinal));

        // SIGTERM, as Ctrl+C: the command stops every process it started and exits 0.
        var silos = Silos.Select(name => new Uri(lines[name].Split(' ')[0]).Port).ToList();
        Assert.Equal(0, await cluster.TerminateAsync(TimeSpan.FromSeconds(90)));
        foreach (var port in silos)
        {
            Assert.False(await LoopbackProbe.AcceptsAsync(port), $"A silo still listens on {port} after the command stopped: {cluster.Output}");
        }
    }
}
