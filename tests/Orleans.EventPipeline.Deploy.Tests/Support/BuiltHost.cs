using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Deploy.Tests.Support;

/// <summary>The silo's host as Program.cs builds it, from a container's environment, built and mapped but not started (nothing is dialled).</summary>
internal static class BuiltHost
{
    public static WebApplication Gateway(IReadOnlyDictionary<string, string> environment, string dataDirectory)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddConfiguration(SiloSettings.Configuration(environment));
        // The image's data directory is not on this machine; the AKS overlay's admin key is made at deployment.
        builder.Configuration["Pipeline:DataDirectory"] = dataDirectory;
        builder.Configuration["Pipeline:AdminApiKey"] = "built-host-admin-key-0123456789";
        builder.AddPipelineSilo();
        var app = builder.Build();
        app.MapPipeline();
        return app;
    }
}
