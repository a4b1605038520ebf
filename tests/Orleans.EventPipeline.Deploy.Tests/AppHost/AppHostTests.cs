using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Administration;
using Orleans.EventPipeline.Audit;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Processing.Archive;
using TempDirectory = Orleans.EventPipeline.Testing.TempDirectory;

namespace Orleans.EventPipeline.Deploy.Tests.AppHost;

/// <summary>
/// The Aspire AppHost (src/Orleans.EventPipeline.AppHost) brings up the local cluster through Aspire's
/// orchestrator: Azurite, the emulator, one gateway and two processors; a batch posted to the gateway is
/// archived, every event once; disposing the app stops every process it started.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class AppHostTests
{
    private const int Events = 25;
    private const string AdminKey = "apphost-test-admin-key";
    private static readonly string[] Silos = ["gateway", "processor-1", "processor-2"];
    private static readonly string[] StoragePorts = ["blob", "queue", "table"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan ArchiveTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AppHost_GatewayAndTwoProcessors_APostedBatchIsArchivedOnce_DisposeStopsEverything()
    {
        using var work = new TempDirectory();
        using var start = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Orleans_EventPipeline_AppHost>(
            ["GatewayHttpPort=0", $"AdminKey={AdminKey}", $"DataDirectory={work.Path}"], start.Token);
        var app = await builder.BuildAsync(start.Token);
        List<int> processes;
        List<int> ports;
        try
        {
            await app.StartAsync(start.Token);
            foreach (var silo in Silos)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(silo, start.Token);
            }

            var resources = app.Services.GetRequiredService<DistributedApplicationModel>().Resources;
            Assert.Equal(
                Silos.Append("eventhubs").Order(StringComparer.Ordinal),
                resources.OfType<ProjectResource>().Select(static r => r.Name).Order(StringComparer.Ordinal));
            var gateway = Endpoint(app, "gateway", "http");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            using (var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(gateway, "/readyz"))))
            {
                Assert.Equal("Healthy", ready.RootElement.GetProperty("checks").GetProperty("processors").GetProperty("status").GetString());
            }

            var posted = DateTimeOffset.UtcNow;
            var key = await TenantAdmin.CreateWithKeyAsync(http, gateway, AdminKey, "apphost", new { displayName = "AppHost" }, "test");
            var body = string.Join('\n', Enumerable.Range(0, Events).Select(static i => $$"""{"n":{{i}},"message":"event {{i}}"}"""));
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/events")) { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            request.Headers.Add("Idempotency-Key", "apphost-batch-1");
            using var answer = await http.SendAsync(request);
            var acknowledged = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.IsSuccessStatusCode, acknowledged);
            using var response = JsonDocument.Parse(acknowledged);
            Assert.Equal(Events, response.RootElement.GetProperty("accepted").GetInt32());
            var batch = response.RootElement.GetProperty("batchId").GetString();

            // The processors archive to Azurite's Blob container; poll it until every event is there.
            var storage = AzuriteNode.ConnectionStringFor([.. StoragePorts.Select(name => Endpoint(app, "azurite", name).Port)]);
            var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(storage, LocalClusterLayout.ArchiveContainer), CancellationToken.None);
            var archive = new ArchiveReadback<string>(store, static e => e.EventId, posted, TimeProvider.System);
            var deadline = DateTime.UtcNow + ArchiveTimeout;
            List<string> archived;
            while ((archived = [.. (await archive.ReadAsync("apphost", again: false, CancellationToken.None)).SelectMany(static o => o.Events)]).Count < Events && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }

            Assert.Equal(Enumerable.Range(0, Events).Select(i => $"{batch}:{i}").Order(StringComparer.Ordinal), archived.Order(StringComparer.Ordinal));

            // Every process of the cluster names the test's data directory on its command line.
            processes = ProcessesNaming(work.Path);
            Assert.True(processes.Count >= 5, $"Expected Azurite, the emulator and three silos, found processes {string.Join(", ", processes)}");
            ports = [.. Silos.Select(name => Endpoint(app, name, "http").Port)];
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).WaitAsync(StopTimeout);
            await app.DisposeAsync();
        }

        var gone = DateTime.UtcNow + StopTimeout;
        while (processes.Any(static pid => Directory.Exists($"/proc/{pid}")) && DateTime.UtcNow < gone)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.DoesNotContain(processes, static pid => Directory.Exists($"/proc/{pid}"));
        foreach (var port in ports)
        {
            Assert.False(await LoopbackProbe.AcceptsAsync(port), $"A silo still listens on {port} after the AppHost was disposed.");
        }
    }

    private static Uri Endpoint(DistributedApplication app, string resource, string endpoint) => new(app.GetEndpoint(resource, endpoint).ToString());

    private static List<int> ProcessesNaming(string text)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(text, StringComparison.Ordinal))
                    {
                        found.Add(pid);
                    }
                }
                catch (IOException)
                {
                    // Ended while being read.
                }
            }
        }

        return found;
    }
}
