using Azure.Data.Tables;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Persistence.Sqlite;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Idempotency;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.Storage;

namespace Orleans.EventPipeline.Silo.Health;

/// <summary>
/// Ready when the tenant grain store answers: the SQLite file locally, the grain-state table in Azure. A silo that
/// hosts grains is unready without it. A gateway hosts none (its requests meet the store only through the processors,
/// which answer 503 with Retry-After when they cannot write), so there a failure is Degraded and the gateway stays in
/// the Service: one storage problem would otherwise take every gateway out at once, and clients would get the
/// ingress's bare 503 instead of the pipeline's own answer.
/// </summary>
internal sealed class GrainStorageHealthCheck(IServiceProvider services, IOptions<PipelineOptions> options) : IHealthCheck
{
    // Under the readiness probe's 3 s timeout (infra/k8s), so a slow store is an answer, not a probe that timed out.
    internal static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        try
        {
            if (options.Value.Mode == PipelineMode.Azure)
            {
                // A read of the grain-state table itself, which the silos' data role (Storage Table Data Contributor)
                // allows; the service's properties are an account-level read that role may not have.
                var table = services.GetRequiredService<AzureClients>().Tables.GetTableClient(AzureTableIdempotencyRecordSweep.TableName);
                await foreach (var _ in table.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: limit.Token).AsPages(pageSizeHint: 1))
                {
                    break;
                }

                return HealthCheckResult.Healthy("Azure Table storage reachable");
            }

            if (services.GetKeyedService<IGrainStorage>(PipelineStorage.Tenants) is not SqliteGrainStorage sqlite)
            {
                return Failed($"grain storage '{PipelineStorage.Tenants}' is not registered", exception: null);
            }

            await sqlite.PingAsync(limit.Token);
            return HealthCheckResult.Healthy($"grain storage reachable at {sqlite.DatabasePath}");
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"grain storage did not answer within {Limit.TotalSeconds:0} s", exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return Failed($"grain storage failed: {exception.Message}", exception);
        }
    }

    private HealthCheckResult Failed(string description, Exception? exception) => ClusterRoles.HostsGrains(options.Value.Role)
        ? HealthCheckResult.Unhealthy(description, exception)
        : HealthCheckResult.Degraded($"{description}; this gateway hosts no grains and stays ready", exception);
}
