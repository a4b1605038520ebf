using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Processes;
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
    private const string AdminKey = "apphost-test-admin-key";
    private static readonly string[] Silos = ["gateway", "processor-1", "processor-2"];
    private static readonly string[] StoragePorts = ["blob", "queue", "table"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(240);
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
            var storage = AzuriteNode.ConnectionStringFor([.. StoragePorts.Select(name => Endpoint(app, "azurite", name).Port)]);
            await ArchivedRoundTrip.AssertAsync(gateway, AdminKey, "apphost", storage, LocalClusterLayout.ArchiveContainer);

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
