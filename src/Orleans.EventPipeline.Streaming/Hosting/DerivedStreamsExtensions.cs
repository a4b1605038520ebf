using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.EventPipeline.Streaming.Derived;
using Orleans.Hosting;

namespace Orleans.EventPipeline.Streaming.Hosting;

/// <summary>Registers an in-cluster derived stream provider (<see cref="DerivedStreamAdapterFactory"/>).</summary>
public static class DerivedStreamsExtensions
{
    /// <summary>
    /// Adds the provider <paramref name="name"/>. Its budgets come from the silo's
    /// <c>IOptions&lt;DerivedStreamOptions&gt;</c> and its cache ages from <c>IOptions&lt;StreamCacheOptions&gt;</c>.
    /// </summary>
    /// <param name="hops">
    /// The pipeline's own namespaces (ordered): each gets queues of its own, apart from users' namespaces, as a
    /// grain waiting for room in a queue it reads would wait for good.
    /// </param>
    /// <param name="configure">The host's part: how queues are balanced over silos and whether this silo reads any.</param>
    public static ISiloBuilder AddDerivedStreams(this ISiloBuilder silo, string name, IReadOnlyList<string> hops, Action<ISiloPersistentStreamConfigurator> configure)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(hops);
        ArgumentNullException.ThrowIfNull(configure);
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.AddPersistentStreams(name, (services, provider) => DerivedStreamAdapterFactory.Create(services, provider, hops), configurator =>
        {
            // As on the Event Hubs provider (PipelineStreamsExtensions): no message is given up on, and one
            // message per delivery, so the purge guard knows the last one each cursor has taken.
            configurator.ConfigurePullingAgent(static builder => builder.PostConfigure(static agent =>
            {
                agent.MaxEventDeliveryTime = PipelineStreamsExtensions.MaxEventDeliveryTime;
                agent.BatchContainerBatchSize = 1;
            }));
            configurator.ConfigureStreamPubSub(PipelineStreamsExtensions.PubSub);
            configure(configurator);
        });
        return silo;
    }
}
