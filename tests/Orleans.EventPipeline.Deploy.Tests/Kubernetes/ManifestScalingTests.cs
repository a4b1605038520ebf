using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.EventPipeline.Deploy.Tests.Support;
using static Orleans.EventPipeline.Deploy.Tests.Support.RenderedObjects;

namespace Orleans.EventPipeline.Deploy.Tests.Kubernetes;

/// <summary>Replica counts, autoscalers and disruption budgets that agree with each other and with the docs.</summary>
public sealed class ManifestScalingTests
{
    public static TheoryData<string> Overlays => Manifests.Overlays();

    /// <summary>An HPA owns its Deployment's count: a <c>replicas</c> in the manifest would reset it on every apply.</summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task AutoscaledDeployments_SetNoReplicas(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        Assert.NotEmpty(objects.OfKind("HorizontalPodAutoscaler"));
        foreach (var autoscaler in objects.OfKind("HorizontalPodAutoscaler"))
        {
            var target = objects.Get("Deployment", Text(autoscaler["spec"]?["scaleTargetRef"]?["name"]));
            Assert.True(target["spec"]?["replicas"] is null, $"{overlay}: Deployment {Name(target)} sets replicas {Text(target["spec"]?["replicas"])} while HorizontalPodAutoscaler {Name(autoscaler)} scales it.");
        }
    }

    /// <summary>
    /// A budget must allow one eviction at the smallest count its pods can run at: <c>minAvailable</c> equal to
    /// the HPA's minimum (or more) blocks every node drain.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task DisruptionBudgets_AllowAnEvictionAtTheSmallestCount(string overlay)
    {
        var objects = await Manifests.ReadAsync(overlay);
        foreach (var budget in objects.OfKind("PodDisruptionBudget"))
        {
            var selector = budget["spec"]!["selector"]!["matchLabels"]!.AsObject().ToDictionary(static p => p.Key, static p => Text(p.Value));
            var deployment = objects.OfKind("Deployment").Single(d => selector.All(s => Labels(d["spec"]?["template"]?["metadata"]?.AsObject()).GetValueOrDefault(s.Key) == s.Value));
            var smallest = SmallestCount(objects, deployment);
            var where = $"{overlay}: PodDisruptionBudget {Name(budget)} ({Name(deployment)}, at least {smallest} pods)";
            if (budget["spec"]?["minAvailable"] is { } minAvailable)
            {
                Assert.True(Number(minAvailable) < smallest, $"{where} has minAvailable {Text(minAvailable)}: no pod may ever be evicted.");
            }
            else
            {
                Assert.True(Number(budget["spec"]?["maxUnavailable"]) >= 1, $"{where} allows no pod to be unavailable.");
            }
        }
    }

    /// <summary>The local overlay is what small-silos.yaml and docs/DEPLOY.md say: one gateway and two processors.</summary>
    [Fact]
    public async Task LocalOverlay_StartsOneGatewayAndTwoProcessors()
    {
        var objects = await Manifests.ReadAsync("local");
        Assert.Equal(1, StartingCount(objects, objects.Get("Deployment", "gateway")));
        Assert.Equal(2, StartingCount(objects, objects.Get("Deployment", "processor")));
    }

    /// <summary>How many pods a first apply runs: the manifest's replicas (Kubernetes' default is 1), raised to the HPA's minimum.</summary>
    private static int StartingCount(RenderedObjects objects, JsonObject deployment)
    {
        var replicas = deployment["spec"]?["replicas"] is { } set ? Number(set) : 1;
        return Autoscaler(objects, deployment) is { } autoscaler ? Math.Max(replicas, Number(autoscaler["spec"]?["minReplicas"])) : replicas;
    }

    private static int SmallestCount(RenderedObjects objects, JsonObject deployment) =>
        Autoscaler(objects, deployment) is { } autoscaler ? Number(autoscaler["spec"]?["minReplicas"]) : StartingCount(objects, deployment);

    private static JsonObject? Autoscaler(RenderedObjects objects, JsonObject deployment) =>
        objects.OfKind("HorizontalPodAutoscaler").SingleOrDefault(a => Text(a["spec"]?["scaleTargetRef"]?["name"]) == Name(deployment));

    private static int Number(JsonNode? node) => int.Parse(Text(node), CultureInfo.InvariantCulture);
}
