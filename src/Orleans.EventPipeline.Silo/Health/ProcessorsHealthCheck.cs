using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>
/// Says whether a silo hosting the pipeline's grains (a processor) is active. Without one a gateway is
/// Degraded, not Unhealthy: <c>/readyz</c> stays 200 so a load balancer keeps sending clients to it, and it
/// answers them 503 + <c>Retry-After</c> itself, which shippers retry, rather than a connection error.
/// </summary>
internal sealed class ProcessorsHealthCheck(ClusterRoles roles) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var processors = roles.ActiveGrainHosts();
        return Task.FromResult(processors.Count > 0
            ? HealthCheckResult.Healthy($"{processors.Count} processor silo(s) active: {string.Join(", ", processors)}")
            : HealthCheckResult.Degraded($"no processor silo active: ingest and admin answer 503 + Retry-After until one joins"));
    }
}
