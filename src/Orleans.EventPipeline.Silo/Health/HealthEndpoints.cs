using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Gateway;
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
    /// A wrong key counts against its address as anywhere else (<see cref="AdminAuthFailures"/>) and gets the short answer;
    /// a tenant's ingest key (a probe set up with one) gets it too, uncounted (<see cref="IsTenantKeyAsync"/>).
    /// </summary>
    private static async Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        var detailed = await IsAdminAsync(context);
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

    private static async Task<bool> IsAdminAsync(HttpContext context)
    {
        // A probe sends no credential and is not put through the admin scheme, which logs every request it looks at.
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return false;
        }

        var adminKey = context.RequestServices.GetRequiredService<IOptions<PipelineOptions>>().Value.AdminApiKey;
        if (BearerToken.Parse(authorization) is { } presented && !AdminCredential.Matches(adminKey, presented) && await IsTenantKeyAsync(context, presented))
        {
            return false;
        }

        return await context.AuthenticateAsync(AdminPolicies.BearerScheme) is { Succeeded: true } admin && admin.Principal.IsInRole(AdminPolicies.Role);
    }

    /// <summary>
    /// Whether <paramref name="presented"/> is a tenant's live ingest key: clearly no try at the admin key, so not counted
    /// against its address. That keeps the admin key's protection whole: a key is skipped only once its grain (or this
    /// silo's cache of it) names a tenant, and no guess at the admin key is one, since the silo makes tenant keys itself,
    /// random. Anything else, a key the lookup cannot confirm within <see cref="TenantKeyLookup"/> (grain storage down) too,
    /// goes through the admin scheme and counts as before: the answer must stay quick enough for a probe's timeout.
    /// </summary>
    private static async Task<bool> IsTenantKeyAsync(HttpContext context, string presented)
    {
        try
        {
            var keys = context.RequestServices.GetRequiredService<ApiKeyResolver>();
            return await keys.ResolveSecretAsync(presented).AsTask().WaitAsync(TenantKeyLookup, context.RequestAborted) is not null;
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            return false;
        }
    }

    /// <summary>How long <c>/readyz</c> waits to learn whether a bearer is a tenant's key: well within a probe's timeout (3 s in the manifests) after the checks' own 2 s.</summary>
    private static readonly TimeSpan TenantKeyLookup = TimeSpan.FromMilliseconds(500);

    /// <summary>One check in the answer: its description only for the admin.</summary>
    private sealed record CheckAnswer(
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("description"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description);
}
