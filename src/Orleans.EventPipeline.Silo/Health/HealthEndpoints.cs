using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>
/// <c>/healthz</c> (the process answers) and <c>/readyz</c> (silo active, storage reachable, a gateway warmed up), open to
/// every caller; what each check found only for the admin.
/// </summary>
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

    /// <summary>
    /// The status and each check's name and status for every caller: probes and load balancers need no more. The checks'
    /// descriptions name the silo's address, the grain store's path, the emulator's endpoint and exception messages, so
    /// they are written only for a caller that sends the admin key (<c>Authorization: Bearer</c>, as the admin API).
    /// A wrong key counts against its address as anywhere else (<see cref="AdminAuthFailures"/>) and gets the short answer.
    /// </summary>
    private static async Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        // A probe sends no credential and is not put through the admin scheme, which logs every request it looks at.
        var detailed = context.Request.Headers.Authorization.Count > 0
            && await context.AuthenticateAsync(AdminPolicies.BearerScheme) is { Succeeded: true } admin
            && admin.Principal.IsInRole(AdminPolicies.Role);
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                static entry => entry.Key,
                entry => new CheckAnswer(entry.Value.Status.ToString(), detailed ? entry.Value.Description : null)),
        };
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary>One check in the answer: its description only for the admin.</summary>
    private sealed record CheckAnswer(
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("description"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description);
}
