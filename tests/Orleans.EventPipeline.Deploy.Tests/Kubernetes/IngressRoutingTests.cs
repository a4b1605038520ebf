using System.Text.RegularExpressions;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Orleans.EventPipeline.Deploy.Tests.Support;
using static Orleans.EventPipeline.Deploy.Tests.Support.RenderedObjects;

namespace Orleans.EventPipeline.Deploy.Tests.Kubernetes;

/// <summary>
/// The Ingress publishes the gateway's public API and nothing else: every path a gateway maps (read from the
/// host itself) is either routed from outside or one of the cluster-internal ones, which are not.
/// </summary>
public sealed partial class IngressRoutingTests
{
    /// <summary>
    /// Inside the cluster only: Prometheus' <c>/metrics</c> (it names tenants; served only with its scrape key) and the
    /// kubelet's probes. <c>/metrics</c> is served by a startup filter ahead of routing, so it is named here.
    /// </summary>
    private static readonly string[] Internal = ["/metrics", "/healthz", "/readyz"];

    public static TheoryData<string> Overlays => Manifests.Overlays();

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Ingress_RoutesEveryPublicGatewayPath_AndNoInternalOne(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        var rules = objects.OfKind("Ingress")
            .SelectMany(static i => i["spec"]!["rules"]!.AsArray())
            .SelectMany(static r => r!["http"]!["paths"]!.AsArray())
            .Select(static p => (Path: Text(p!["path"]), Type: Text(p!["pathType"])))
            .ToList();
        Assert.NotEmpty(rules);

        foreach (var path in Internal)
        {
            Assert.False(rules.Any(r => Routes(r, path)), $"{overlay}: an Ingress routes {path} from outside ({string.Join(", ", rules.Where(r => Routes(r, path)).Select(static r => $"{r.Path} {r.Type}"))}).");
        }

        var gatewayPaths = await GatewayPathsAsync(objects.Environment(objects.Get("Deployment", "gateway"), "silo"));
        Assert.Contains("/v1/events", gatewayPaths);
        var unrouted = gatewayPaths.Where(p => !Internal.Contains(p) && !rules.Any(r => Routes(r, p))).ToList();
        Assert.True(unrouted.Count == 0, $"{overlay}: the gateway maps paths no Ingress routes: {string.Join(", ", unrouted)}.");
    }

    /// <summary>Kubernetes' path types: Exact, or Prefix matched by whole path segments; ImplementationSpecific taken as a plain prefix (the widest reading).</summary>
    private static bool Routes((string Path, string Type) rule, string path) => rule.Type switch
    {
        "Exact" => path == rule.Path,
        "Prefix" => rule.Path == "/" || path == rule.Path.TrimEnd('/') || path.StartsWith(rule.Path.TrimEnd('/') + "/", StringComparison.Ordinal),
        _ => path.StartsWith(rule.Path, StringComparison.Ordinal),
    };

    /// <summary>Every route a gateway silo maps, its parameters filled in: the real host built (not started) with the overlay's gateway settings.</summary>
    private static async Task<List<string>> GatewayPathsAsync(IReadOnlyDictionary<string, string> environment)
    {
        using var data = new TempDirectory();
        await using var app = BuiltHost.Gateway(environment, data.Path);
        return [.. ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(static s => s.Endpoints)
            .OfType<RouteEndpoint>()
            // gRPC is served on its own HTTP/2 port (Pipeline:Shippers:OtlpGrpcPort), reached through the Service, not the Ingress.
            // (gRPC's catch-alls for unknown services and methods carry no method metadata, only their display name.)
            .Where(static e => e.Metadata.GetMetadata<GrpcMethodMetadata>() is null && e.DisplayName?.StartsWith("gRPC - ", StringComparison.Ordinal) != true)
            .Select(static e => "/" + Parameter().Replace(e.RoutePattern.RawText!.TrimStart('/'), "x"))
            .Distinct()
            .Order(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
