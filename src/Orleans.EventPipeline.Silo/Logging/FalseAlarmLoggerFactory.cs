using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Silo.Logging;

/// <summary>The app's logger factory, with <see cref="FalseAlarms"/> left out of the two categories they come from.</summary>
internal sealed class FalseAlarmLoggerFactory : ILoggerFactory
{
    private readonly ILoggerFactory _inner;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _processStart;

    public FalseAlarmLoggerFactory(ILoggerFactory inner, TimeProvider time)
    {
        _inner = inner;
        _time = time;
        using var self = Process.GetCurrentProcess();
        _processStart = self.StartTime.ToUniversalTime();
    }

    public ILogger CreateLogger(string categoryName)
    {
        var logger = _inner.CreateLogger(categoryName);
        return FalseAlarms.Watches(categoryName) ? new FilteredLogger(logger, categoryName, this) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    public void Dispose() => _inner.Dispose();

    private TimeSpan ProcessAge => _time.GetUtcNow() - _processStart;

    private sealed class FilteredLogger(ILogger inner, string category, FalseAlarmLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!FalseAlarms.IsFalseAlarm(category, logLevel, state, exception, factory.ProcessAge))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
