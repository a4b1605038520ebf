using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.Hosting.Kubernetes;

namespace Orleans.EventPipeline.Deploy.Tests.Kubernetes;

/// <summary>
/// <c>Pipeline:KubernetesHosting</c>, which the manifests turn on: the silo host adds Orleans' Kubernetes
/// hosting, names the silo after its pod (Orleans' agent matches pods to silos by that name), and refuses it
/// in local mode. The host is built, not started: starting needs a Kubernetes API server.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class KubernetesHostingTests
{
    private const string PodName = "gateway-7c9d8f6b5-x2x7q";

    [Fact]
    public void KubernetesHosting_On_SiloIsNamedAfterItsPod_AndOrleansWatchesThePods()
    {
        using var data = new TempDirectory();
        Environment.SetEnvironmentVariable(KubernetesHostingOptions.PodNameEnvironmentVariable, PodName);
        Environment.SetEnvironmentVariable(KubernetesHostingOptions.PodNamespaceEnvironmentVariable, "eventpipeline");
        try
        {
            var builder = Host(data.Path, kubernetes: true);

            Assert.Contains(builder.Services, static service => service.ImplementationType?.Name == "KubernetesClusterAgent");
            using var app = builder.Build();
            Assert.Equal(PodName, app.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KubernetesHostingOptions.PodNameEnvironmentVariable, null);
            Environment.SetEnvironmentVariable(KubernetesHostingOptions.PodNamespaceEnvironmentVariable, null);
        }
    }

    [Fact]
    public void KubernetesHosting_Off_SiloIsNamedAfterItsRole_AndNoAgentRuns()
    {
        using var data = new TempDirectory();

        var builder = Host(data.Path, kubernetes: false);

        Assert.DoesNotContain(builder.Services, static service => service.ImplementationType?.Name == "KubernetesClusterAgent");
        using var app = builder.Build();
        Assert.StartsWith("gateway-", app.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName, StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesHosting_InLocalMode_IsRefusedNamingTheSetting()
    {
        var refused = Assert.ThrowsAny<Exception>(() => SiloSettings.Read(new Dictionary<string, string> { ["Pipeline__KubernetesHosting"] = "true" }));

        Assert.Contains("Pipeline:KubernetesHosting", refused.Message, StringComparison.Ordinal);
    }

    private static WebApplicationBuilder Host(string data, bool kubernetes)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args =
            [
                "--Pipeline:Mode=Azure",
                "--Pipeline:Role=gateway",
                $"--Pipeline:KubernetesHosting={kubernetes}",
                $"--Pipeline:DataDirectory={data}",
                "--Pipeline:Azure:StorageConnectionString=UseDevelopmentStorage=true",
                "--Pipeline:Azure:EventHubsConnectionString=Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=a2V5;UseDevelopmentEmulator=true",
            ],
        });
        builder.AddPipelineSilo();
        return builder;
    }
}
