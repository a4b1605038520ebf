using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

public static class EventHubsEmulatorServiceCollectionExtensions
{
    /// <summary>
    /// Runs the Event Hubs emulator as a hosted service, with <see cref="EmulatorOptions"/> bound from
    /// <paramref name="configuration"/> (usually the <c>EventHubsEmulator</c> section) and validated at start.
    /// The running <see cref="EventHubsEmulatorServer"/> is available from the container. Calling it twice adds it once.
    /// </summary>
    public static IServiceCollection AddEventHubsEmulator(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddEmulator(services.AddOptions<EmulatorOptions>().Bind(configuration));
    }

    /// <summary>
    /// Runs the Event Hubs emulator as a hosted service, with <see cref="EmulatorOptions"/> set by
    /// <paramref name="configure"/> and validated at start, for a host that decides them itself.
    /// </summary>
    public static IServiceCollection AddEventHubsEmulator(this IServiceCollection services, Action<EmulatorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddEmulator(services.AddOptions<EmulatorOptions>().Configure(configure));
    }

    private static IServiceCollection AddEmulator(this IServiceCollection services, OptionsBuilder<EmulatorOptions> options)
    {
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmulatorOptions>, EmulatorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new EventHubsEmulatorServer(
            sp.GetRequiredService<IOptions<EmulatorOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventHubsEmulatorHostedService>());
        return services;
    }
}
