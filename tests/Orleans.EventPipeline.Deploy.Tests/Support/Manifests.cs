using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Orleans.EventPipeline.Deploy.Tests.Support;

/// <summary>
/// The Kubernetes manifests under infra/k8s as a cluster would receive them: each overlay rendered by
/// <c>kubectl kustomize</c> (the machine's kubectl, or the one test.sh unpacks into infra/test-deps/bin; kustomize is built into it) and read into JSON
/// objects, every scalar a string as YAML wrote it.
/// </summary>
internal static class Manifests
{
    public static string OverlaysDirectory => Repository.Path("infra", "k8s", "overlays");

    /// <summary>Every overlay: a directory with a kustomization.yaml under infra/k8s/overlays.</summary>
    public static TheoryData<string> Overlays()
    {
        var overlays = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(OverlaysDirectory).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(directory, "kustomization.yaml")))
            {
                overlays.Add(Path.GetFileName(directory));
            }
        }

        return overlays;
    }

    /// <summary>The overlay's rendered YAML, as <c>kubectl apply -k</c> would send it.</summary>
    public static async Task<string> RenderAsync(string overlay)
    {
        var rendered = await Tool.RunAsync("kubectl", ["kustomize", Path.Combine(OverlaysDirectory, overlay)]);
        Assert.True(rendered.ExitCode == 0, $"The {overlay} overlay does not render: {rendered}");
        return rendered.Output;
    }

    public static async Task<RenderedObjects> ReadAsync(string overlay) => new(Parse(await RenderAsync(overlay)));

    public static List<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(static d => ToJson(d.RootNode)).OfType<JsonObject>()];
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(static c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Value: { } value } => JsonValue.Create(value),
        _ => null,
    };
}

/// <summary>One overlay's objects, with the lookups the tests make.</summary>
internal sealed class RenderedObjects(List<JsonObject> objects)
{
    public IReadOnlyList<JsonObject> All => objects;

    public IEnumerable<JsonObject> OfKind(string kind) => objects.Where(o => Text(o["kind"]) == kind);

    public JsonObject? Rendered(string kind, string name) => OfKind(kind).SingleOrDefault(o => Name(o) == name);

    /// <summary>The names of the Secrets the silo pods read that the overlay does not render: created with kubectl beside it.</summary>
    public IEnumerable<string> ExternalSecrets() => SiloDeployments()
        .SelectMany(static d => Containers(d))
        .SelectMany(static c => c["envFrom"]?.AsArray().OfType<JsonObject>() ?? [])
        .Select(static s => Text(s["secretRef"]?["name"]))
        .Where(name => name.Length > 0 && Rendered("Secret", name) is null)
        .Distinct();

    public JsonObject Get(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => Name(o) == name) ?? throw new Xunit.Sdk.XunitException($"No {kind} named {name} is rendered.");

    /// <summary>The Deployments that run the silo (a container named "silo"): the gateway and the processors.</summary>
    public IEnumerable<JsonObject> SiloDeployments() => OfKind("Deployment").Where(d => Containers(d).Any(c => Text(c["name"]) == "silo"));

    public static string Name(JsonObject o) => Text(o["metadata"]?["name"]);

    public static string Text(JsonNode? node) => node?.GetValue<string>() ?? "";

    public static IEnumerable<JsonObject> Containers(JsonObject deployment) =>
        deployment["spec"]?["template"]?["spec"]?["containers"]?.AsArray().OfType<JsonObject>() ?? [];

    public static JsonObject ContainerOf(JsonObject deployment, string name) =>
        Containers(deployment).Single(c => Text(c["name"]) == name);

    public static IReadOnlyDictionary<string, string> Labels(JsonObject? metadata) =>
        metadata?["labels"]?.AsObject().ToDictionary(static p => p.Key, static p => Text(p.Value)) ?? [];

    /// <summary>Every environment variable of a container as the kubelet would set it: its ConfigMaps and Secrets, then its own <c>env</c> (later wins); downward-API fields get a pod's typical values.</summary>
    public IReadOnlyDictionary<string, string> Environment(JsonObject deployment, string container)
    {
        var spec = ContainerOf(deployment, container);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in spec["envFrom"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if (source["configMapRef"] is JsonObject configMap)
            {
                foreach (var (key, value) in Get("ConfigMap", Text(configMap["name"]))["data"]?.AsObject() ?? [])
                {
                    environment[key] = Text(value);
                }
            }

            // A Secret the overlay does not render is created beside it (docs/DEPLOY.md: the AKS admin key); its keys are not known here.
            if (source["secretRef"] is JsonObject secret && Rendered("Secret", Text(secret["name"])) is { } rendered)
            {
                foreach (var (key, value) in rendered["data"]?.AsObject() ?? [])
                {
                    // Block scalars break long base64 over lines, which the API server's decoder skips too.
                    environment[key] = Encoding.UTF8.GetString(Convert.FromBase64String(Text(value).Replace("\n", "", StringComparison.Ordinal)));
                }
            }
        }

        foreach (var variable in spec["env"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            environment[Text(variable["name"])] = variable["valueFrom"]?["fieldRef"]?["fieldPath"] is { } field
                ? PodField(deployment, Text(field))
                : Text(variable["value"]);
        }

        return environment;
    }

    private static string PodField(JsonObject deployment, string path) => path switch
    {
        "metadata.name" => $"{Name(deployment)}-7c9d8f6b5-x2x7q",
        "metadata.namespace" => Text(deployment["metadata"]?["namespace"]),
        "status.podIP" => "10.244.1.17",
        _ => throw new Xunit.Sdk.XunitException($"The test does not know what the downward API gives for {path}."),
    };
}
