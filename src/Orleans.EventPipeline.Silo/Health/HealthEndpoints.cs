using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (silo active, storage reachable, a gateway warmed up).</summary>
public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    internal static IServiceCollection AddPipelineHealthChecks(this IServiceCollection services, PipelineMode mode, PipelineRole role)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<SiloActiveHealthCheck>("silo", tags: [ReadyTag])
            .AddCheck<GrainStorageHealthCheck>("grain-storage", tags: [ReadyTag])
            .AddCheck<ProcessorsHealthCheck>("processors", tags: [ReadyTag]);
        if (mode == PipelineMode.Local)
        {
            checks.AddCheck<EmbeddedEventHubsHealthCheck>("event-hubs", tags: [ReadyTag]);
        }

        if (ClusterRoles.ServesIngest(role))
        {
            checks.AddCheck<WarmupHealthCheck>(WarmupHealthCheck.Name, tags: [ReadyTag]);
        }

        return services;
    }

    public static WebApplication MapPipelineHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteJsonAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = static check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteJsonAsync });
        return app;
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                static entry => entry.Key,
                static entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
