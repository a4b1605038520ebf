using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>A logger provider for an in-process silo that keeps every line at <see cref="LogLevel.Information"/> or above, to count what a grain logged.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _lines = new();

    /// <summary>The lines kept so far at <paramref name="level"/> that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> Lines(LogLevel level, string text) =>
        [.. _lines.Where(line => line.Level == level && line.Message.Contains(text, StringComparison.Ordinal)).Select(static line => line.Message)];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log._lines.Enqueue((logLevel, formatter(state, exception)));
            }
        }
    }
}
