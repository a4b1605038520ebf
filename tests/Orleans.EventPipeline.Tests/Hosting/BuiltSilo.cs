using Microsoft.AspNetCore.Builder;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>The silo's host as its program builds it (local mode, in <paramref name="data"/>), built and not started: for reading its settings.</summary>
internal static class BuiltSilo
{
    public static WebApplication Create(TempDirectory data, params string[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [$"--Pipeline:DataDirectory={data.Path}", $"--Pipeline:AdminApiKey={SiloProcess.AdminKey}", .. settings],
        });
        builder.AddPipelineSilo();
        return builder.Build();
    }
}
