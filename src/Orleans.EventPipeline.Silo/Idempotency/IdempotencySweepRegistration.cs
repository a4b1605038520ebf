using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Idempotency;

internal static class IdempotencySweepRegistration
{
    /// <summary>
    /// Sweeps on silos that host grains, each with the storage of the mode. In azure mode every such silo sweeps the
    /// shared table; deletes are conditional, so two sweeps of one record cost a refused delete, nothing more.
    /// </summary>
    public static IServiceCollection AddIdempotencyRecordSweep(this IServiceCollection services, PipelineOptions options, AzureClients? azureClients)
    {
        if (!ClusterRoles.HostsGrains(options.Role))
        {
            return services;
        }

        if (azureClients is null)
        {
            services.AddSingleton<IIdempotencyRecordSweep, SqliteIdempotencyRecordSweep>();
        }
        else
        {
            services.AddSingleton<IIdempotencyRecordSweep>(new AzureTableIdempotencyRecordSweep(azureClients.Tables, options.ServiceId));
        }

        return services.AddHostedService<IdempotencyRecordSweeper>();
    }
}
