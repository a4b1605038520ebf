namespace Orleans.EventPipeline.Silo.Gateway.Memory;

public static class InFlightMemoryExtensions
{
    /// <summary>The process-wide in-flight budget of ingest requests and the trimmer that gives memory back when idle.</summary>
    public static IServiceCollection AddInFlightMemoryBudget(this IServiceCollection services)
    {
        services.AddSingleton<InFlightMemoryBudget>();
        services.AddHostedService<IdleMemoryTrimmer>();
        return services;
    }
}
