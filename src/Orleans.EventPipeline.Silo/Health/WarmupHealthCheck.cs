using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.Silo.Warmup;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>Not ready while the gateway warms itself up (<see cref="StartupWarmup"/>); then what the warm-up did.</summary>
internal sealed class WarmupHealthCheck(StartupWarmup warmup) : IHealthCheck
{
    public const string Name = "warm-up";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = warmup.Report;
        return Task.FromResult(report.Finished ? HealthCheckResult.Healthy(report.Description) : HealthCheckResult.Unhealthy(report.Description));
    }
}
