using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Silo.Logging;

/// <summary>Registers <see cref="FalseAlarmLoggerFactory"/> in place of the logger factory.</summary>
internal static class FalseAlarmLoggingExtensions
{
    public static ILoggingBuilder LeaveOutFalseAlarms(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        // The arguments DI gives LoggerFactory itself, so providers, filters and scopes stay as configured.
        logging.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(static services => new FalseAlarmLoggerFactory(
            new LoggerFactory(
                services.GetServices<ILoggerProvider>(),
                services.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
                services.GetService<IOptions<LoggerFactoryOptions>>(),
                services.GetService<IExternalScopeProvider>()),
            services.GetService<TimeProvider>() ?? TimeProvider.System)));
        return logging;
    }
}
