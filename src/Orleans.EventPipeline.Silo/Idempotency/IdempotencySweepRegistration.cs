using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Idempotency;

internal static class IdempotencySweepRegistration
{
    /// <summary>
    /// Sweeps on silos that host grains, each with the storage of the mode. In azure mode every such silo sweeps the
    /// shared table: each reads every record of the service and tries the same deletes (conditional, so a record goes
    /// once); more silos add reads, not speed.
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
            services.AddSingleton<IIdempotencyRecordSweep>(sp => new AzureTableIdempotencyRecordSweep(
                azureClients.Tables, options.ServiceId, sp.GetRequiredService<ILogger<AzureTableIdempotencyRecordSweep>>()));
        }

        return services.AddHostedService<IdempotencyRecordSweeper>();
    }
}
