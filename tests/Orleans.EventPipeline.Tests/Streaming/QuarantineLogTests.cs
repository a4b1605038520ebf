using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Streaming.Quarantine;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>A flood of quarantined messages logs one line per partition per interval, each with the count since the partition's previous line.</summary>
public sealed class QuarantineLogTests
{
    [Fact]
    public void Quarantined_ManyInOneInterval_OneLinePerPartitionThenTheNextCarriesTheCount()
    {
        var time = new FakeTimeProvider();
        var logger = new LineLogger();
        var log = new QuarantineLog(logger, time);

        for (var i = 0; i < 50; i++)
        {
            log.Quarantined("0", i, i.ToString(System.Globalization.CultureInfo.InvariantCulture), 10, "not ours");
        }

        log.Quarantined("1", 0, "0", 10, "not ours");
        time.Advance(QuarantineLog.Interval - TimeSpan.FromMilliseconds(1));
        log.Quarantined("0", 50, "50", 10, "not ours");
        Assert.Equal(2, logger.Lines.Count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        log.Quarantined("0", 51, "51", 10, "not ours");

        Assert.Equal(3, logger.Lines.Count);
        Assert.All(logger.Lines, static line => Assert.Equal(LogLevel.Warning, line.Level));
        Assert.Contains("message 0 (offset 0, 10 bytes) of partition 0: not ours", logger.Lines[0].Text, StringComparison.Ordinal);
        Assert.Contains("0 more of this partition", logger.Lines[0].Text, StringComparison.Ordinal);
        Assert.Contains("of partition 1", logger.Lines[1].Text, StringComparison.Ordinal);
        // Messages 1 to 50 of partition 0 went unlogged between its two lines.
        Assert.Contains("message 51 (offset 51, 10 bytes) of partition 0", logger.Lines[2].Text, StringComparison.Ordinal);
        Assert.Contains("50 more of this partition", logger.Lines[2].Text, StringComparison.Ordinal);
    }

    private sealed class LineLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
