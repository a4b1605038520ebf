using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.EventPipeline.Persistence.Sqlite;
using Orleans.Storage;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>Ready when the tenant grain store answers a read.</summary>
internal sealed class GrainStorageHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var storage = services.GetKeyedService<IGrainStorage>(PipelineStorage.Tenants);
        if (storage is not SqliteGrainStorage sqlite)
        {
            return HealthCheckResult.Unhealthy($"grain storage '{PipelineStorage.Tenants}' is not registered");
        }

        try
        {
            await sqlite.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy($"grain storage reachable at {sqlite.DatabasePath}");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"grain storage at {sqlite.DatabasePath} failed: {exception.Message}", exception);
        }
    }
}
