using System.Net;
using System.Text.Json;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Processes;
using static Orleans.EventPipeline.Deploy.Tests.Support.RenderedObjects;

namespace Orleans.EventPipeline.Deploy.Tests.Container;

/// <summary>The app the container file copies, started the way the image and the manifests start it.</summary>
[Collection(SerialTests.Name)]
public sealed class PublishedSiloTests
{
    /// <summary>
    /// The silo published as the container file publishes it, started as its entry point does, with the
    /// image's and the manifests' environment (local overlay, gateway and processor), answers every probe
    /// path the manifests give. What names the cluster's network — addresses, ports, connection strings —
    /// gets its loopback equivalent (Azurite and the emulator here), and Kubernetes hosting is off: there
    /// is no API server.
    /// </summary>
    [Fact]
    public async Task PublishedSilo_StartedWithTheImageAndManifestSettings_GatewayAndProcessorAnswerEveryProbe()
    {
        using var work = new TempDirectory();
        var app = work.File("app");
        var publish = await Tool.RunAsync("dotnet", ["publish", Repository.Path("src", "Orleans.EventPipeline.Silo"), "--no-build", "-c", Repository.Configuration, "-o", app, "-p:UseAppHost=false"], timeout: TimeSpan.FromMinutes(5));
        Assert.True(publish.ExitCode == 0, publish.ToString());

        var objects = await Manifests.ReadAsync("local");
        await using var azurite = await AzuriteNode.StartAsync(work.File("azurite"));
        await using var eventHubs = await EmulatorNode.StartAsync(work.File("eventhubs"), partitions: 4, logPath: null, CancellationToken.None);
        var services = new AzureServices(azurite.ConnectionString, eventHubs.ConnectionString, $"deploy-{Guid.NewGuid():N}");
        var silos = new List<(SiloNode Silo, JsonObjectProbes Probes)>();
        try
        {
            foreach (var deployment in objects.SiloDeployments())
            {
                var environment = new Dictionary<string, string>(ContainerFile.Environment);
                foreach (var (key, value) in objects.Environment(deployment, "silo"))
                {
                    environment[key] = value;
                }

                var name = Name(deployment);
                var silo = SiloNode.Create(new SiloStart(name, Directory.CreateDirectory(work.File(name)).FullName, environment["Pipeline__AdminApiKey"])
                {
                    Azure = services,
                    Assembly = Path.Combine(app, Path.GetFileName(ContainerFile.EntryPoint[1])),
                    WorkingDirectory = app,
                    Environment = environment,
                    Arguments = ["--Pipeline:KubernetesHosting=false"],
                });
                silos.Add((silo, JsonObjectProbes.Of(ContainerOf(deployment, "silo"))));
            }

            foreach (var (silo, _) in silos)
            {
                silo.Process.Start();
            }

            await Task.WhenAll(silos.Select(static s => s.Silo.WaitReadyAsync(TimeSpan.FromSeconds(180), CancellationToken.None)));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            foreach (var (silo, probes) in silos)
            {
                foreach (var path in probes.Paths)
                {
                    using var answer = await http.GetAsync(new Uri(silo.Url, path));
                    Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{silo.Settings.Name} answered {(int)answer.StatusCode} to {path}: {await answer.Content.ReadAsStringAsync()}");
                }
            }

            // The gateway sees the processor: the two joined one cluster with these settings.
            var gateway = silos.Single(static s => s.Silo.Settings.Name == "gateway").Silo;
            using var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(gateway.Url, "/readyz")));
            Assert.Equal("Healthy", ready.RootElement.GetProperty("checks").GetProperty("processors").GetProperty("status").GetString());
        }
        finally
        {
            foreach (var (silo, _) in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>The HTTP probe paths of a container: liveness, readiness, startup.</summary>
    private sealed record JsonObjectProbes(IReadOnlyList<string> Paths)
    {
        private static readonly string[] Probes = ["livenessProbe", "readinessProbe", "startupProbe"];

        public static JsonObjectProbes Of(System.Text.Json.Nodes.JsonObject container) =>
            new([.. Probes.Select(p => Text(container[p]?["httpGet"]?["path"])).Where(static p => p.Length > 0)]);
    }
}
