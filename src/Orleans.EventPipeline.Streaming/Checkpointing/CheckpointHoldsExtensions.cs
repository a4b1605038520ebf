using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Hosting;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Checkpointing;

public static class CheckpointHoldsExtensions
{
    /// <summary>
    /// Registers <see cref="ICheckpointHolds"/> and wraps the checkpointer factory already configured for
    /// stream provider <paramref name="providerName"/> so that its checkpoints respect the holds.
    /// </summary>
    /// <exception cref="InvalidOperationException">No checkpointer is configured for the provider yet.</exception>
    public static ISiloBuilder AddCheckpointHolds(this ISiloBuilder silo, string providerName)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton<HubPartitions>();
        silo.Services.AddSingleton<CheckpointHolds>();
        silo.Services.AddSingleton<ICheckpointHolds>(static services => services.GetRequiredService<CheckpointHolds>());

        var configured = silo.Services.LastOrDefault(d => d.ServiceType == typeof(IStreamQueueCheckpointerFactory) && Equals(d.ServiceKey, providerName))
            ?? throw new InvalidOperationException($"Configure a checkpointer for stream provider '{providerName}' before adding checkpoint holds.");
        silo.Services.Remove(configured);
        silo.Services.AddKeyedSingleton<IStreamQueueCheckpointerFactory>(providerName, (services, key) =>
            new HoldingCheckpointerFactory(CreateConfigured(configured, services, key), services.GetRequiredService<CheckpointHolds>()));
        return silo;
    }

    private static IStreamQueueCheckpointerFactory CreateConfigured(ServiceDescriptor configured, IServiceProvider services, object? key) =>
        (IStreamQueueCheckpointerFactory)(configured.KeyedImplementationInstance
            ?? configured.KeyedImplementationFactory?.Invoke(services, key)
            ?? ActivatorUtilities.CreateInstance(services, configured.KeyedImplementationType!));
}
