using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Warmup;

internal static class WarmupRegistration
{
    /// <summary>The warm-up on silos that serve the ingest API (a processor has none to warm).</summary>
    public static IServiceCollection AddStartupWarmup(this IServiceCollection services, PipelineRole role)
    {
        if (!ClusterRoles.ServesIngest(role))
        {
            return services;
        }

        services.AddSingleton<StartupWarmup>();
        return services.AddHostedService(static services => services.GetRequiredService<StartupWarmup>());
    }
}
