using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Gateway.Otlp;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.Hosting.Kubernetes;
using static Orleans.EventPipeline.Deploy.Tests.Support.RenderedObjects;

namespace Orleans.EventPipeline.Deploy.Tests.Kubernetes;

/// <summary>
/// What the rendered manifests set is what the host reads: every setting binds to the silo's options (with
/// the host's own strict binder and validators), every port is the one the settings open, the probes and
/// the grace period fit the silo, and the objects refer to each other correctly. A setting renamed in the
/// code or misspelt in a manifest fails here, not in a cluster.
/// </summary>
public sealed class ManifestDriftTests
{
    public static TheoryData<string> Overlays => Manifests.Overlays();

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task SiloSettings_EveryOneTheManifestsSet_IsASettingTheHostBindsAndAccepts(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        Assert.NotEmpty(objects.SiloDeployments());
        foreach (var deployment in objects.SiloDeployments())
        {
            var environment = objects.Environment(deployment, "silo");
            var unknown = environment.Keys.Where(static key => !IsHostSetting(key)).ToList();
            Assert.True(unknown.Count == 0, $"{overlay}/{Name(deployment)} sets variables the silo does not read: {string.Join(", ", unknown)}.");

            // The host's binder refuses a key its options do not have, and its validators a wrong value.
            var settings = SiloSettings.Read(environment);
            Assert.Equal(Labels(deployment["spec"]?["template"]?["metadata"]?.AsObject())["app.kubernetes.io/component"], settings.Pipeline.Role.ToString().ToLowerInvariant());
            if (environment.Keys.Any(static key => key.StartsWith("POD_", StringComparison.Ordinal)))
            {
                Assert.True(settings.Pipeline.KubernetesHosting, $"{overlay}/{Name(deployment)} sets POD_* for Orleans' Kubernetes hosting but Pipeline__KubernetesHosting is not true.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task SiloPods_PortsProbesLabelsAndGracePeriod_AreTheOnesTheSiloUses(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        foreach (var deployment in objects.SiloDeployments())
        {
            var where = $"{overlay}/{Name(deployment)}";
            var environment = objects.Environment(deployment, "silo");
            var settings = SiloSettings.Read(environment);
            var container = ContainerOf(deployment, "silo");
            var ports = Ports(container);
            Assert.Equal(new Uri(environment["Urls"].Replace("0.0.0.0", "host", StringComparison.Ordinal)).Port, ports["http"]);
            Assert.Equal(settings.Pipeline.SiloPort, ports["silo"]);
            Assert.Equal(settings.Pipeline.GatewayPort, ports["orleans-gateway"]);
            // OTLP/gRPC only where the role opens its listener (OtlpGrpcHosting): a port no one listens on is not declared.
            if (OtlpGrpcHosting.Listens(settings.Pipeline.Role))
            {
                Assert.Equal(settings.Pipeline.Shippers.OtlpGrpcPort, ports["otlp-grpc"]);
            }
            else
            {
                Assert.False(ports.ContainsKey("otlp-grpc"), $"{where} declares otlp-grpc ({ports.GetValueOrDefault("otlp-grpc")}), which its role ({settings.Pipeline.Role}) does not listen on.");
            }

            Assert.Equal(ports.Count, ports.Values.Distinct().Count());

            // The paths the silo maps (ContainerFileTests hits them on the published silo).
            AssertProbe(container, "livenessProbe", "/healthz", where);
            AssertProbe(container, "startupProbe", "/healthz", where);
            AssertProbe(container, "readinessProbe", "/readyz", where);

            var pod = deployment["spec"]!["template"]!.AsObject();
            var labels = Labels(pod["metadata"]?.AsObject());
            Assert.Equal(settings.Pipeline.ServiceId, labels[KubernetesHostingOptions.ServiceIdLabel]);
            Assert.Equal(settings.Pipeline.ClusterId, labels[KubernetesHostingOptions.ClusterIdLabel]);

            // Kubernetes kills the pod after the grace period: the silo's graceful stop and the preStop pause must fit in it.
            var grace = TimeSpan.FromSeconds(int.Parse(Text(pod["spec"]?["terminationGracePeriodSeconds"]), CultureInfo.InvariantCulture));
            var preStop = container["lifecycle"]?["preStop"]?["exec"]?["command"]?.AsArray().Select(static c => Text(c)).ToArray() ?? [];
            var pause = preStop is ["sleep", var seconds] ? TimeSpan.FromSeconds(int.Parse(seconds, CultureInfo.InvariantCulture)) : TimeSpan.Zero;
            var shutdown = PipelineSiloExtensions.ShutdownTimeout(SiloSettings.Gateway(environment).DurableWriteTimeout);
            Assert.True(grace > shutdown + pause, $"{where}: terminationGracePeriodSeconds {grace.TotalSeconds} s is not longer than the silo's shutdown ({shutdown.TotalSeconds} s: Pipeline:Gateway:DurableWriteTimeout and the silo's own stop) plus the preStop pause ({pause.TotalSeconds} s).");

            foreach (var resource in new[] { "cpu", "memory" })
            {
                Assert.False(string.IsNullOrEmpty(Text(container["resources"]?["requests"]?[resource])), $"{where} requests no {resource}.");
                Assert.False(string.IsNullOrEmpty(Text(container["resources"]?["limits"]?[resource])), $"{where} has no {resource} limit.");
            }

            Assert.Equal(ContainerFile.User, Text(pod["spec"]?["securityContext"]?["runAsUser"]));
            Assert.Equal("true", Text(pod["spec"]?["securityContext"]?["runAsNonRoot"]));
        }
    }

    /// <summary>Orleans' Kubernetes hosting reads, labels, lists and watches the cluster's pods: the silos' service account may, and may not delete them (DeleteDefunctSiloPods is off).</summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task SiloServiceAccount_MayDoWhatOrleansKubernetesHostingDoes(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        foreach (var deployment in objects.SiloDeployments())
        {
            var account = Text(deployment["spec"]?["template"]?["spec"]?["serviceAccountName"]);
            objects.Get("ServiceAccount", account);
            var verbs = objects.OfKind("RoleBinding")
                .Where(binding => binding["subjects"]!.AsArray().Any(s => Text(s?["kind"]) == "ServiceAccount" && Text(s?["name"]) == account))
                .Select(binding => objects.Get(Text(binding["roleRef"]?["kind"]), Text(binding["roleRef"]?["name"])))
                .SelectMany(static role => role["rules"]!.AsArray())
                .Where(static rule => rule!["resources"]!.AsArray().Any(static r => Text(r) == "pods"))
                .SelectMany(static rule => rule!["verbs"]!.AsArray().Select(static v => Text(v)))
                .ToHashSet();
            Assert.Superset(new HashSet<string> { "get", "list", "watch", "patch" }, verbs);
            Assert.DoesNotContain("delete", verbs);
        }
    }

    /// <summary>
    /// The silo ports that carry grain calls (silo-to-silo and Orleans' client gateway) take no key: a client there can call
    /// any grain. A NetworkPolicy selecting every silo pod lets only silo pods reach them; the HTTP and OTLP ports stay open.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task SiloOrleansPorts_ReachableOnlyFromSiloPods(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        var policies = objects.OfKind("NetworkPolicy").ToList();
        foreach (var deployment in objects.SiloDeployments())
        {
            var ports = Containers(deployment).SelectMany(Ports).ToDictionary(StringComparer.Ordinal);
            bool SelectsSilos(JsonNode? selector) => Selects(MatchLabels(selector), deployment);
            var rules = policies.Where(p => SelectsSilos(p["spec"]!["podSelector"]))
                .SelectMany(static p => p["spec"]!["ingress"]?.AsArray() ?? [])
                .ToList();
            Assert.True(rules.Count > 0, $"{overlay}: no NetworkPolicy lets anything reach the pods of {Name(deployment)}.");
            bool Opens(JsonNode? rule, int port) => rule!["ports"] is not JsonArray rulePorts || rulePorts.Any(p => Number(p!["port"]) == port);

            foreach (var name in new[] { "silo", "orleans-gateway" })
            {
                // Every rule that opens the port names its sources, each a selector of silo pods in the namespace.
                var opening = rules.Where(r => Opens(r, ports[name])).ToList();
                Assert.NotEmpty(opening);
                Assert.All(opening, rule => Assert.True(
                    rule!["from"] is JsonArray { Count: > 0 } from
                        && from.All(source => source!["namespaceSelector"] is null && source["ipBlock"] is null && source["podSelector"] is { } selector && SelectsSilos(selector)),
                    $"{overlay}: port {ports[name]} ({name}) of {Name(deployment)} is open to {rule.ToJsonString()}"));
            }

            foreach (var name in ports.Keys.Where(static n => n is "http" or "otlp-grpc"))
            {
                Assert.True(rules.Any(r => r!["from"] is null && Opens(r, ports[name])), $"{overlay}: port {ports[name]} ({name}) of {Name(deployment)} is closed to the Service and the Ingress.");
            }
        }
    }

    private static Dictionary<string, string> MatchLabels(JsonNode? selector) =>
        selector?["matchLabels"]?.AsObject().ToDictionary(static p => p.Key, static p => Text(p.Value)) ?? [];

    // The rendered YAML's numbers arrive as text.
    private static int Number(JsonNode? node) => int.Parse(Text(node), CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task ServicesIngressAutoscalerAndBudgets_ReferToObjectsAndPortsThatExist(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        var deployments = objects.OfKind("Deployment").ToList();
        foreach (var service in objects.OfKind("Service"))
        {
            var selector = service["spec"]!["selector"]!.AsObject().ToDictionary(static p => p.Key, static p => Text(p.Value));
            var pods = deployments.Where(d => Selects(selector, d)).ToList();
            Assert.True(pods.Count > 0, $"{overlay}: Service {Name(service)} selects no pods.");
            foreach (var port in service["spec"]!["ports"]!.AsArray())
            {
                var target = Text(port!["targetPort"]);
                Assert.True(pods.All(d => Containers(d).Any(c => Ports(c).ContainsKey(target) || Ports(c).Values.Any(v => v.ToString(CultureInfo.InvariantCulture) == target))), $"{overlay}: Service {Name(service)} targets port {target}, which its pods do not open.");
            }
        }

        foreach (var ingress in objects.OfKind("Ingress"))
        {
            foreach (var backend in ingress["spec"]!["rules"]!.AsArray().SelectMany(static r => r!["http"]!["paths"]!.AsArray()).Select(static p => p!["backend"]!["service"]!))
            {
                var service = objects.Get("Service", Text(backend["name"]));
                Assert.Contains(Text(backend["port"]?["name"]), service["spec"]!["ports"]!.AsArray().Select(static p => Text(p!["name"])));
            }

            // The proxy must not refuse a body the gateway accepts (nginx's "m" is MiB).
            var gateway = SiloSettings.Gateway(objects.Environment(objects.Get("Deployment", "gateway"), "silo"));
            var bodySize = Text(ingress["metadata"]?["annotations"]?["nginx.ingress.kubernetes.io/proxy-body-size"]);
            Assert.True(bodySize.EndsWith('m') && long.Parse(bodySize[..^1], CultureInfo.InvariantCulture) << 20 >= gateway.MaxBodyBytes, $"{overlay}: the Ingress's proxy-body-size {bodySize} is below Pipeline:Gateway:MaxBodyBytes ({gateway.MaxBodyBytes} bytes).");
        }

        foreach (var autoscaler in objects.OfKind("HorizontalPodAutoscaler"))
        {
            objects.Get(Text(autoscaler["spec"]?["scaleTargetRef"]?["kind"]), Text(autoscaler["spec"]?["scaleTargetRef"]?["name"]));
        }

        foreach (var budget in objects.OfKind("PodDisruptionBudget"))
        {
            var selector = budget["spec"]!["selector"]!["matchLabels"]!.AsObject().ToDictionary(static p => p.Key, static p => Text(p.Value));
            Assert.True(deployments.Any(d => Selects(selector, d)), $"{overlay}: PodDisruptionBudget {Name(budget)} selects no pods.");
        }

        Assert.Contains(objects.OfKind("PodDisruptionBudget"), b => Name(b) == "gateway");
        Assert.Contains(objects.OfKind("PodDisruptionBudget"), b => Name(b) == "processor");
    }

    /// <summary>The local overlay's silos reach the Azurite and emulator it runs, with the emulator's own key, and Azurite is the version the tests run.</summary>
    [Fact]
    public async Task LocalOverlay_SilosReachTheAzuriteAndEmulatorItRuns()
    {
        var objects = await Manifests.ReadAsync("local");
        var silo = objects.Environment(objects.Get("Deployment", "gateway"), "silo");

        var emulator = objects.Environment(objects.Get("Deployment", "eventhubs-emulator"), "emulator");
        var emulatorOptions = EmulatorSettings(emulator);
        var emulatorService = objects.Get("Service", "eventhubs-emulator");
        var eventHubs = ConnectionString(silo["Pipeline__Azure__EventHubsConnectionString"]);
        Assert.Equal($"sb://{Name(emulatorService)}:{emulatorOptions.Port}", eventHubs["Endpoint"]);
        Assert.Equal(emulatorOptions.SharedAccessKeys[eventHubs["SharedAccessKeyName"]], eventHubs["SharedAccessKey"]);
        Assert.Contains(emulatorService["spec"]!["ports"]!.AsArray(), p => Text(p!["port"]) == emulatorOptions.Port.ToString(CultureInfo.InvariantCulture));
        Assert.Contains(SiloSettings.Read(silo).Pipeline.EventHubName, emulatorOptions.Hubs.Keys);

        var storage = ConnectionString(silo["Pipeline__Azure__StorageConnectionString"]);
        var azurite = objects.Get("Service", "azurite");
        foreach (var (endpoint, port) in new[] { ("BlobEndpoint", "blob"), ("TableEndpoint", "table") })
        {
            var servicePort = Text(azurite["spec"]!["ports"]!.AsArray().Single(p => Text(p!["name"]) == port)!["port"]);
            Assert.Equal($"http://{Name(azurite)}:{servicePort}/devstoreaccount1", storage[endpoint]);
        }

        var image = Text(ContainerOf(objects.Get("Deployment", "azurite"), "azurite")["image"]);
        var tested = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Repository.Path("infra", "test-deps", "package.json"))).RootElement.GetProperty("dependencies").GetProperty("azurite").GetString();
        Assert.Equal($"mcr.microsoft.com/azure-storage/azurite:{tested}", image);

        // The emulator runs from the silo's image, where the container file puts it.
        var command = ContainerOf(objects.Get("Deployment", "eventhubs-emulator"), "emulator")["command"]!.AsArray().Select(static c => Text(c)).ToList();
        Assert.Equal(["dotnet", ContainerFile.EmulatorEntryPoint], command);
    }

    private static bool IsHostSetting(string key) =>
        key.StartsWith("Pipeline__", StringComparison.Ordinal)
        // ASP.NET Core's server addresses (WebHostDefaults.ServerUrlsKey).
        || key == "Urls"
        // ASP.NET Core's forwarded headers behind the Ingress (ForwardedHeadersSecureCookieTests starts the silo with it).
        || key == ForwardedHeadersSetting
        // Orleans' Kubernetes hosting reads these (Microsoft.Orleans.Hosting.Kubernetes).
        || KubernetesVariables.Contains(key)
        // Azure.Identity's managed and workload identity credentials read the client id of the identity to use.
        || key == "AZURE_CLIENT_ID";

    private static readonly HashSet<string> KubernetesVariables = [.. typeof(KubernetesHostingOptions)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(static f => f.IsLiteral && f.Name.EndsWith("EnvironmentVariable", StringComparison.Ordinal))
        .Select(static f => (string)f.GetRawConstantValue()!)];

    /// <summary>The variable the manifests turn ASP.NET Core's forwarded headers on with.</summary>
    internal const string ForwardedHeadersSetting = "ASPNETCORE_FORWARDEDHEADERS_ENABLED";

    /// <summary>
    /// A Secret the pods read that the overlay does not render (the AKS admin key, kept out of the repository)
    /// is created by a command in docs/DEPLOY.md under the name the pods use, in their namespace.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task SecretsNotRendered_AreCreatedByTheDeployGuide(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        var guide = File.ReadAllText(Repository.Path("docs", "DEPLOY.md"));
        var @namespace = Text(objects.SiloDeployments().First()["metadata"]?["namespace"]);
        foreach (var secret in objects.ExternalSecrets())
        {
            Assert.Contains($"kubectl -n {@namespace} create secret generic {secret}", guide, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// <c>/metrics</c> names every tenant, so every silo pod that serves it has a scrape key (<c>Pipeline:Telemetry:MetricsKey</c>)
    /// from a Secret: one the overlay renders, or one the deploy guide's command creates with it. Without one a pod serves its
    /// metrics to its own loopback only and Prometheus scrapes nothing; in a ConfigMap or the pod's env the key would be readable
    /// by everyone who may read the manifests.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task SiloPods_ServingMetrics_HaveAScrapeKeyFromASecret(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        var guide = File.ReadAllText(Repository.Path("docs", "DEPLOY.md"));
        var @namespace = Text(objects.SiloDeployments().First()["metadata"]?["namespace"]);
        Assert.All(objects.OfKind("ConfigMap"), map => Assert.False(
            map["data"]?.AsObject().ContainsKey(MetricsKeyVariable) ?? false, $"{overlay}: ConfigMap {Name(map)} holds {MetricsKeyVariable}: keep it in a Secret."));
        foreach (var deployment in objects.SiloDeployments())
        {
            var environment = objects.Environment(deployment, "silo");
            var settings = SiloSettings.Read(environment);
            if (!settings.Pipeline.Telemetry.PrometheusEnabled)
            {
                continue;
            }

            var container = ContainerOf(deployment, "silo");
            Assert.False(container["env"]?.AsArray().Any(static v => Text(v?["name"]) == MetricsKeyVariable) ?? false, $"{overlay}/{Name(deployment)} sets {MetricsKeyVariable} in its env: keep it in a Secret.");
            var external = objects.ExternalSecrets().ToList();
            if (external.Count == 0)
            {
                Assert.False(string.IsNullOrEmpty(settings.Pipeline.Telemetry.MetricsKey), $"{overlay}/{Name(deployment)} serves /metrics with no {MetricsKeyVariable} in its Secret: Prometheus would be refused.");
                continue;
            }

            // The Secret is made by the guide's command: it must set the key.
            var commands = guide.Split('\n').Where(line => external.Any(secret => line.Contains($"kubectl -n {@namespace} create secret generic {secret}", StringComparison.Ordinal))).ToList();
            Assert.NotEmpty(commands);
            Assert.True(
                environment.ContainsKey(MetricsKeyVariable) || commands.Any(static line => line.Contains($"--from-literal={MetricsKeyVariable}=", StringComparison.Ordinal)),
                $"{overlay}/{Name(deployment)}: no command of docs/DEPLOY.md that creates {string.Join(", ", external)} sets {MetricsKeyVariable}: Prometheus would be refused.");
        }
    }

    /// <summary><c>Pipeline:Telemetry:MetricsKey</c> as an environment variable.</summary>
    private const string MetricsKeyVariable = "Pipeline__Telemetry__MetricsKey";

    /// <summary>No admin key of the AKS overlay sits in the repository: it renders no Secret at all.</summary>
    [Fact]
    public async Task AksOverlay_RendersNoSecret()
    {
        var objects = await Manifests.ReadAsync("aks");
        Assert.Empty(objects.OfKind("Secret"));
        Assert.Equal(["eventpipeline-secrets"], objects.ExternalSecrets());
    }

    /// <summary>
    /// The public Ingress on AKS serves HTTPS for every host it routes, with a certificate Secret named, and sends
    /// plain HTTP to HTTPS: bearer and admin keys never cross the internet in clear text.
    /// </summary>
    [Fact]
    public async Task AksOverlay_IngressServesTlsForEveryHostAndRedirectsHttp()
    {
        var objects = await Manifests.ReadAsync("aks");
        var ingress = objects.Get("Ingress", "gateway");
        var hosts = ingress["spec"]!["rules"]!.AsArray().Select(static rule => Text(rule!["host"])).ToList();
        var tls = ingress["spec"]?["tls"]?.AsArray().OfType<JsonObject>().ToList() ?? [];

        Assert.NotEmpty(hosts);
        Assert.All(hosts, host => Assert.Contains(tls, entry =>
            entry["hosts"]!.AsArray().Any(h => Text(h) == host) && Text(entry["secretName"]).Length > 0));
        Assert.Equal("true", Text(ingress["metadata"]?["annotations"]?["nginx.ingress.kubernetes.io/ssl-redirect"]));
    }

    private static EmulatorOptions EmulatorSettings(IReadOnlyDictionary<string, string> environment)
    {
        Assert.All(environment.Keys, static key => Assert.StartsWith(EmulatorOptions.SectionName + "__", key, StringComparison.Ordinal));
        var options = new EmulatorOptions();
        SiloSettings.Configuration(environment).GetSection(EmulatorOptions.SectionName).Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
        var validation = new EmulatorOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return options;
    }

    private static void AssertProbe(JsonObject container, string probe, string path, string where)
    {
        Assert.True(container[probe] is JsonObject, $"{where} has no {probe}.");
        Assert.Equal(path, Text(container[probe]!["httpGet"]?["path"]));
        Assert.Equal("http", Text(container[probe]!["httpGet"]?["port"]));
    }

    private static Dictionary<string, int> Ports(JsonObject container) =>
        container["ports"]?.AsArray().ToDictionary(static p => Text(p!["name"]), static p => Number(p!["containerPort"])) ?? [];

    private static bool Selects(Dictionary<string, string> selector, JsonObject deployment)
    {
        var labels = Labels(deployment["spec"]?["template"]?["metadata"]?.AsObject());
        return selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);
    }

    private static Dictionary<string, string> ConnectionString(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(static part => part.Split('=', 2)).ToDictionary(static p => p[0], static p => p[1]);
}
