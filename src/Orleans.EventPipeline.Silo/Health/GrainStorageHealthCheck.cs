using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Persistence.Sqlite;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.Storage;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>Ready when the tenant grain store answers: the SQLite file locally, the Table service in Azure.</summary>
internal sealed class GrainStorageHealthCheck(IServiceProvider services, IOptions<PipelineOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (options.Value.Mode == PipelineMode.Azure)
            {
                await services.GetRequiredService<AzureClients>().Tables.GetPropertiesAsync(cancellationToken);
                return HealthCheckResult.Healthy("Azure Table storage reachable");
            }

            if (services.GetKeyedService<IGrainStorage>(PipelineStorage.Tenants) is not SqliteGrainStorage sqlite)
            {
                return HealthCheckResult.Unhealthy($"grain storage '{PipelineStorage.Tenants}' is not registered");
            }

            await sqlite.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy($"grain storage reachable at {sqlite.DatabasePath}");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"grain storage failed: {exception.Message}", exception);
        }
    }
}
