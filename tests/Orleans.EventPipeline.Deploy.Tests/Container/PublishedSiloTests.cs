using System.Net;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using static Orleans.EventPipeline.Deploy.Tests.Support.RenderedObjects;

namespace Orleans.EventPipeline.Deploy.Tests.Container;

/// <summary>The app the container file copies, started the way the image and the manifests start it.</summary>
[Collection(SerialTests.Name)]
public sealed class PublishedSiloTests
{
    /// <summary>
    /// The silo published as the container file publishes it (for this machine's platform), precompiled, started as
    /// its entry point does, with the image's and the manifests' environment (local overlay, two gateways and a
    /// processor), answers every probe path the manifests give. What names the cluster's network — addresses, ports,
    /// connection strings — gets its loopback equivalent (Azurite and the emulator here), and Kubernetes hosting is
    /// off: there is no API server. Each process has a home of its own, as each container has.
    /// Behind the Ingress, two things the manifests' settings must give: a /ui sign-in made on one gateway
    /// holds on the other (the shared key ring in Blob storage), and a request the Ingress received over TLS
    /// (X-Forwarded-Proto: https) gets Secure cookies.
    /// </summary>
    [Fact]
    public async Task PublishedSilo_StartedWithTheImageAndManifestSettings_GatewaysAndProcessorAnswerEveryProbe_SignInHoldsAcrossGateways()
    {
        using var work = new TempDirectory();
        var app = work.File("app");
        var publish = await Tool.RunAsync("dotnet", PublishArguments(app), timeout: TimeSpan.FromMinutes(10));
        Assert.True(publish.ExitCode == 0, publish.ToString());
        AssertRuntimeSettings(app);
        AssertPrecompiled(app);

        var objects = await Manifests.ReadAsync("local");
        await using var azurite = await AzuriteNode.StartAsync(work.File("azurite"));
        await using var eventHubs = await EmulatorNode.StartAsync(work.File("eventhubs"), partitions: 4, logPath: null, CancellationToken.None);
        // The manifests' own cluster and service id (the launcher sets both from one; Azurite is new for this test).
        var gatewayEnvironment = objects.Environment(objects.Get("Deployment", "gateway"), "silo");
        Assert.Equal(gatewayEnvironment["Pipeline__ClusterId"], gatewayEnvironment["Pipeline__ServiceId"]);
        var services = new AzureServices(azurite.ConnectionString, eventHubs.ConnectionString, gatewayEnvironment["Pipeline__ClusterId"]);
        var silos = new List<(SiloNode Silo, JsonObjectProbes Probes)>();
        try
        {
            // Two gateways, as the Ingress spreads a browser's requests over.
            foreach (var (deployment, name) in objects.SiloDeployments().SelectMany(static d => Name(d) == "gateway" ? new[] { (d, "gateway"), (d, "gateway-2") } : [(d, Name(d))]))
            {
                var environment = new Dictionary<string, string>(ContainerFile.Environment);
                foreach (var (key, value) in objects.Environment(deployment, "silo"))
                {
                    environment[key] = value;
                }

                environment["HOME"] = Directory.CreateDirectory(work.File($"{name}-home")).FullName;
                var silo = SiloNode.Create(new SiloStart(name, Directory.CreateDirectory(work.File(name)).FullName, environment["Pipeline__AdminApiKey"])
                {
                    Azure = services,
                    Assembly = Path.Combine(app, Path.GetFileName(ContainerFile.EntryPoint[1])),
                    WorkingDirectory = app,
                    Environment = environment,
                    Arguments = ["--Pipeline:KubernetesHosting=false"],
                });
                silos.Add((silo, JsonObjectProbes.Of(ContainerOf(deployment, "silo"))));
                Assert.Equal(LoopbackOnly, Overridden(environment, silo));
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

            // The form from one gateway, posted to the other (its anti-forgery token crosses), the cookie read by the first.
            var other = silos.Single(static s => s.Silo.Settings.Name == "gateway-2").Silo;
            var adminKey = gateway.Settings.AdminKey;
            using var session = await UiSession.SignInAsync(gateway.Url, other.Url, adminKey);
            using var back = session.On(gateway.Url);
            using var page = await back.Http.GetAsync("/ui/");
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"A sign-in made on one gateway was refused by the other: {(int)page.StatusCode} {page.Headers.Location}");

            await AssertSecureBehindTheIngressAsync(gateway.Url, adminKey);
        }
        finally
        {
            foreach (var (silo, _) in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Published for one platform the silo is precompiled (ReadyToRun: with quick JIT off, docs/PERFORMANCE.md measured a
    /// fresh silo's first second about halved), as the container file publishes it for each architecture; published
    /// portable it cannot be.
    /// </summary>
    [Theory]
    [InlineData("linux-x64", "true")]
    [InlineData("linux-musl-arm64", "true")]
    [InlineData("", "")]
    public async Task SiloProject_PublishedForOnePlatform_IsPrecompiled(string runtime, string expected)
    {
        var evaluated = await EvaluateAsync(runtime.Length == 0 ? [] : [$"-p:RuntimeIdentifier={runtime}"]);
        Assert.Equal(expected, evaluated["PublishReadyToRun"]);
    }

    /// <summary>
    /// Published self-contained for one platform the silo is precompiled with the runtime and the framework into one
    /// composite image (docs/PERFORMANCE.md: a fresh silo's first second lower again than precompiled alone), built in
    /// folders apart from a framework-dependent publish's: the SDK reuses what it finds in obj and bin, and a
    /// framework-dependent publish after a self-contained one aborted at start (the composite's stubs, a runtimeconfig
    /// naming no framework).
    /// </summary>
    [Fact]
    public async Task SiloProject_PublishedSelfContained_IsOneCompositeImageBuiltApart()
    {
        var composite = await EvaluateAsync("-p:RuntimeIdentifier=linux-x64", "-p:SelfContained=true");
        var frameworkDependent = await EvaluateAsync("-p:RuntimeIdentifier=linux-x64", "-p:SelfContained=false");

        Assert.Equal("true", composite["PublishReadyToRunComposite"]);
        Assert.Equal("false", frameworkDependent["PublishReadyToRunComposite"]);
        Assert.Equal("true", frameworkDependent["PublishReadyToRun"]);
        Assert.NotEqual(frameworkDependent["IntermediateOutputPath"], composite["IntermediateOutputPath"]);
        Assert.NotEqual(frameworkDependent["OutputPath"], composite["OutputPath"]);
    }

    /// <summary>
    /// The container file's publish of the silo, for this machine's platform instead of the image's (its operating system
    /// and architecture in place of linux-musl and $TARGETARCH: the app must start here) and in the tests' build
    /// configuration, whose projects are built already.
    /// </summary>
    private static string[] PublishArguments(string app)
    {
        var command = ContainerFile.PublishCommand(SiloProject);
        var platform = RuntimeInformation.RuntimeIdentifier;
        var architectureAt = platform.LastIndexOf('-');
        var replacements = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SiloProject] = Repository.Path(SiloProject.Split('/')),
            [Value("-o")] = app,
            [Value("-c")] = Repository.Configuration,
            [Value("--os")] = platform[..architectureAt],
            [Value("-a")] = platform[(architectureAt + 1)..],
        };
        return [.. command.Skip(1).Select(word => replacements.GetValueOrDefault(word, word))];

        string Value(string option)
        {
            var value = ContainerFile.OptionValue(command, option);
            Assert.True(value is not null, $"The container file's publish of the silo gives no {option}: {string.Join(' ', command)}");
            return value;
        }
    }

    /// <summary>
    /// The pipeline's assemblies and the packages' on the request path carry precompiled code (a ReadyToRun header):
    /// what a publish for one platform is for.
    /// </summary>
    private static void AssertPrecompiled(string app)
    {
        var assemblies = Directory.GetFiles(app, "Orleans.EventPipeline.*.dll").Concat([Path.Combine(app, "Orleans.Core.dll"), Path.Combine(app, "Microsoft.Azure.Amqp.dll")]).ToList();
        Assert.True(assemblies.Count > 5, $"{app} holds no assemblies of the pipeline.");
        foreach (var assembly in assemblies)
        {
            using var stream = File.OpenRead(assembly);
            using var reader = new PEReader(stream);
            Assert.True(reader.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0, $"{Path.GetFileName(assembly)} was published without precompiled code.");
        }
    }

    private const string SiloProject = "src/Orleans.EventPipeline.Silo";

    private static async Task<Dictionary<string, string>> EvaluateAsync(params string[] properties)
    {
        string[] names = ["PublishReadyToRun", "PublishReadyToRunComposite", "IntermediateOutputPath", "OutputPath"];
        var evaluated = await Tool.RunAsync(
            "dotnet",
            ["msbuild", Repository.Path("src", "Orleans.EventPipeline.Silo"), .. names.Select(static name => $"-getProperty:{name}"), $"-p:Configuration={Repository.Configuration}", .. properties],
            timeout: TimeSpan.FromMinutes(2));
        Assert.True(evaluated.ExitCode == 0, evaluated.ToString());
        var values = JsonNode.Parse(evaluated.Output)!["Properties"]!;
        return names.ToDictionary(static name => name, name => values[name]!.GetValue<string>());
    }

    /// <summary>
    /// The runtime settings measured as the silo's defaults (docs/PERFORMANCE.md: quick JIT and dynamic PGO off, idle
    /// pool workers not spinning) travel in the published runtimeconfig the image runs with, and nothing in the image's
    /// environment turns them back.
    /// </summary>
    private static void AssertRuntimeSettings(string app)
    {
        var file = Path.Combine(app, Path.ChangeExtension(Path.GetFileName(ContainerFile.EntryPoint[1]), ".runtimeconfig.json"));
        var settings = JsonNode.Parse(File.ReadAllText(file))!["runtimeOptions"]!["configProperties"]!;
        Assert.False(settings["System.Runtime.TieredCompilation.QuickJit"]?.GetValue<bool>() ?? true, $"{file} does not turn quick JIT off.");
        Assert.False(settings["System.Runtime.TieredPGO"]?.GetValue<bool>() ?? true, $"{file} does not turn dynamic PGO off.");
        Assert.Equal(0, settings["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]?.GetValue<int>());
        Assert.DoesNotContain(ContainerFile.Environment.Keys, static name => name.StartsWith("DOTNET_TC_", StringComparison.Ordinal) || name.StartsWith("DOTNET_Tiered", StringComparison.Ordinal) || name.StartsWith("DOTNET_ThreadPool_", StringComparison.Ordinal));
    }

    /// <summary>
    /// The settings the launcher's arguments give other values than the image and the manifests, all of them
    /// what names the cluster's network or its API server: the addresses and ports (fixed in a pod, free ones
    /// on this shared loopback), the data volume, the services' connection strings (the overlay's name
    /// Azurite and the emulator by their Service names) and Kubernetes hosting (no API server here).
    /// </summary>
    private static readonly string[] LoopbackOnly =
    [
        "Pipeline:AdvertisedAddress",
        "Pipeline:Azure:EventHubsConnectionString",
        "Pipeline:Azure:StorageConnectionString",
        "Pipeline:DataDirectory",
        "Pipeline:GatewayPort",
        "Pipeline:KubernetesHosting",
        "Pipeline:Shippers:OtlpGrpcPort",
        "Pipeline:SiloPort",
        "Urls",
    ];

    /// <summary>The settings whose launcher argument differs from the environment the image and the manifests give.</summary>
    private static string[] Overridden(IReadOnlyDictionary<string, string> environment, SiloNode silo)
    {
        var manifests = environment.ToDictionary(static v => v.Key.Replace("__", ":", StringComparison.Ordinal), static v => v.Value, StringComparer.OrdinalIgnoreCase);
        return [.. SiloNode.Arguments(silo.Settings, silo.Url, silo.SiloPort, silo.GatewayPort, silo.OtlpGrpcUrl.Port, silo.EventHubsPort)
            .Select(static a => a[2..].Split('=', 2))
            .Where(a => !manifests.TryGetValue(a[0], out var value) || value != a[1])
            .Select(static a => a[0])
            .Distinct()
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The Ingress ends TLS and says so in X-Forwarded-Proto: with the manifests' ASPNETCORE_FORWARDEDHEADERS_ENABLED
    /// the silo takes the request as https, and its cookies (anti-forgery, sign-in) are Secure; plain HTTP
    /// straight to the pod keeps them without, so the header is what does it.
    /// </summary>
    private static async Task AssertSecureBehindTheIngressAsync(Uri gateway, string adminKey)
    {
        using var handler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = gateway };
        using var plain = await http.GetAsync("/ui/signin");
        Assert.DoesNotContain(plain.Headers.GetValues("Set-Cookie"), static c => c.Contains("secure", StringComparison.OrdinalIgnoreCase));

        using var form = new HttpRequestMessage(HttpMethod.Get, "/ui/signin");
        form.Headers.Add("X-Forwarded-Proto", "https");
        using var forwarded = await http.SendAsync(form);
        var antiforgery = Assert.Single(forwarded.Headers.GetValues("Set-Cookie"), static c => c.StartsWith(AdminPolicies.CookieName + "-af=", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/ui/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = UiSession.TokenOf(await forwarded.Content.ReadAsStringAsync()), ["key"] = adminKey, ["returnUrl"] = "/ui/" }),
        };
        signIn.Headers.Add("X-Forwarded-Proto", "https");
        signIn.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        using var signedIn = await http.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), static c => c.StartsWith(AdminPolicies.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The HTTP probe paths of a container: liveness, readiness, startup.</summary>
    private sealed record JsonObjectProbes(IReadOnlyList<string> Paths)
    {
        private static readonly string[] Probes = ["livenessProbe", "readinessProbe", "startupProbe"];

        public static JsonObjectProbes Of(System.Text.Json.Nodes.JsonObject container) =>
            new([.. Probes.Select(p => Text(container[p]?["httpGet"]?["path"])).Where(static p => p.Length > 0)]);
    }
}
