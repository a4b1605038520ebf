using Orleans.EventPipeline.Deploy.Tests.Support;

namespace Orleans.EventPipeline.Deploy.Tests.Kubernetes;

/// <summary>Every overlay renders, and every object it renders is a valid object of the Kubernetes API, offline.</summary>
public sealed class ManifestSchemaTests
{
    public static TheoryData<string> Overlays => Manifests.Overlays();

    /// <summary>
    /// kubernetes-models' schemas and type declarations (infra/test-deps/validate-k8s.mjs) check types,
    /// required fields, enums and field names of each object; what they leave open about the pipeline
    /// (probe paths, ports, settings) the tests beside this one check.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Overlay_Rendered_EveryObjectValidAgainstTheKubernetesSchemas(string overlay)
    {
        var yaml = await Manifests.RenderAsync(overlay);
        var validator = Repository.Path("infra", "test-deps", "validate-k8s.mjs");
        Assert.True(File.Exists(Repository.Path("infra", "test-deps", "node_modules", "kubernetes-models", "package.json")), "kubernetes-models is not installed: run ./test.sh, or 'npm ci --prefix infra/test-deps'.");

        var validation = await Tool.RunAsync("node", [validator], input: yaml);

        Assert.True(validation.ExitCode == 0, $"The {overlay} overlay has invalid objects: {validation}");
        Assert.Contains(", 0 invalid", validation.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validator_AnInvalidObject_IsRefused()
    {
        // The validator must be able to fail: a port that is not a number and a Deployment with no selector.
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: broken
            spec:
              template:
                spec:
                  containers:
                    - name: silo
                      ports:
                        - containerPort: http
            """;

        var validation = await Tool.RunAsync("node", [Repository.Path("infra", "test-deps", "validate-k8s.mjs")], input: yaml);

        Assert.Equal(1, validation.ExitCode);
        Assert.Contains("containerPort must be integer", validation.Output, StringComparison.Ordinal);
        Assert.Contains("selector", validation.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The API server drops a field it does not know, so a misspelt probe deploys as no probe: the validator
    /// refuses unknown fields at any depth, which kubernetes-models' own validators let through.
    /// </summary>
    [Fact]
    public async Task Validator_MisspeltFields_AreRefused()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: misspelt
              label:
                app: silo
            spec:
              selector:
                matchLabels:
                  app: silo
              template:
                metadata:
                  labels:
                    app: silo
                spec:
                  containers:
                    - name: silo
                      image: eventpipeline:local
                      readinessProbes:
                        httpGet:
                          path: /readyz
                          port: 8080
                      livenessProbe:
                        httpGet:
                          path: /healthz
                          port: 8080
                        periodSecond: 10
            """;

        var validation = await Tool.RunAsync("node", [Repository.Path("infra", "test-deps", "validate-k8s.mjs")], input: yaml);

        Assert.Equal(1, validation.ExitCode);
        Assert.Contains("Deployment.spec.template.spec.containers[0].readinessProbes", validation.Output, StringComparison.Ordinal);
        Assert.Contains("Deployment.spec.template.spec.containers[0].livenessProbe.periodSecond", validation.Output, StringComparison.Ordinal);
        Assert.Contains("Deployment.metadata.label", validation.Output, StringComparison.Ordinal);
        Assert.Contains(", 1 invalid", validation.Output, StringComparison.Ordinal);
    }
}
