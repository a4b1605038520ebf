using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Silo.Logging;

/// <summary>
/// Two warnings Orleans logs, and one error of the health checks, that are not failures, and the host's error for a start
/// the program reports itself. They are told apart by what they carry, not dropped by category: those categories also log
/// real trouble, which still comes through.
/// </summary>
public static class FalseAlarms
{
    private const string ReceiverCategory = "Orleans.Streaming.EventHubs.EventHubAdapterReceiver";
    private const string WatchdogCategory = "Orleans.Runtime.Watchdog";
    private const string StallProperty = "TimeSinceLastTick";
    private const string HealthChecksCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";
    private const string HealthCheckNameProperty = "HealthCheckName";
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>Whether a logger of this category may log one; other loggers are not wrapped at all.</summary>
    public static bool Watches(string category) => category is ReceiverCategory or WatchdogCategory or HealthChecksCategory or HostCategory;

    public static bool IsFalseAlarm<TState>(string category, LogLevel level, TState state, Exception? exception, TimeSpan processAge)
    {
        // "Health check warm-up with status Unhealthy completed": an error for every readiness probe while a gateway
        // warms itself up, which it does at every start. Any other check's result still comes through.
        if (category == HealthChecksCategory)
        {
            return level == LogLevel.Error && exception is null && Property(state, HealthCheckNameProperty) is Health.WarmupHealthCheck.Name;
        }

        // "Hosting failed to start" with the data directory refused, or a port another program holds
        // (ListeningPortsCheck, a hosted service): the program says so in one line and exits 73 or 78 (Program.cs); the
        // host's copy would add the exception's stack trace to an operator's mistake.
        if (category == HostCategory)
        {
            return exception is not null && (Hosting.StartupFailure.DataDirectoryRefused(exception) is not null || Hosting.StartupFailure.PortInUse(exception));
        }

        if (level != LogLevel.Warning)
        {
            return false;
        }

        // "Failed to read from EventHub partition" with the TaskCanceledException of the read a stop
        // cancels: one per partition on every graceful stop. The receiver rethrows it to the pulling
        // agent, where GuardedReceiver ends the read quietly only if the stop asked for it; a
        // cancellation nobody asked for still comes out as the agent's error with this exception.
        if (category == ReceiverCategory)
        {
            return exception is OperationCanceledException;
        }

        // "Participant check thread has not completed for 00:51:18": Orleans' Watchdog.Start starts its
        // platform thread before it sets the participant thread's first timestamp, and when the platform
        // thread checks first it measures from timestamp 0, the machine's boot. A stall longer than this
        // process has run cannot be one; a real stall is shorter and is still logged.
        return category == WatchdogCategory
            && Property(state, StallProperty) is TimeSpan stall
            && stall > processAge;
    }

    private static object? Property<TState>(TState state, string name) =>
        state is IReadOnlyList<KeyValuePair<string, object?>> properties ? properties.FirstOrDefault(p => p.Key == name).Value : null;
}
