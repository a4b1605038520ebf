using System.Diagnostics;

namespace Orleans.EventPipeline.Silo.Gateway.Memory;

/// <summary>
/// Gives memory back to the operating system once ingest has been idle for <see cref="QuietPeriod"/> after a
/// burst: the garbage collector keeps freed heap committed for reuse, so without this a silo that once
/// held a few hundred MB of bodies stays at that resident size while idle.
/// </summary>
public sealed partial class IdleMemoryTrimmer : IHostedService, IDisposable
{
    /// <summary>10 s without a request holding memory: a pause in the traffic, not a gap between two requests.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Only after bursts that held at least 64 MiB: a full compacting collection takes tens of milliseconds
    /// on a heap of a few hundred MB, not worth it to give back a trickle's few megabytes.
    /// </summary>
    public const long MinPeakBytes = 64L * 1024 * 1024;

    private readonly InFlightMemoryBudget _budget;
    private readonly ILogger<IdleMemoryTrimmer> _logger;
    private readonly ITimer _timer;

    public IdleMemoryTrimmer(InFlightMemoryBudget budget, TimeProvider time, ILogger<IdleMemoryTrimmer> logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        _budget = budget;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((IdleMemoryTrimmer)state!).TrimIfIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _budget.Idle += OnIdle;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _budget.Idle -= OnIdle;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer.Dispose();

    // Each time the last request gives its memory back, the quiet period starts again.
    private void OnIdle() => _timer.Change(QuietPeriod, Timeout.InfiniteTimeSpan);

    private void TrimIfIdle()
    {
        if (_budget.HeldBytes > 0)
        {
            // A request came in since; its end starts the quiet period again.
            return;
        }

        var peak = _budget.TakePeak();
        if (peak < MinPeakBytes)
        {
            return;
        }

        var before = Environment.WorkingSet;
        var watch = Stopwatch.StartNew();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        LogTrimmed(_logger, peak, before, Environment.WorkingSet, watch.ElapsedMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest idle after holding up to {PeakBytes} bytes in flight: collected garbage, resident memory {BeforeBytes} -> {AfterBytes} bytes in {ElapsedMs} ms")]
    private static partial void LogTrimmed(ILogger logger, long peakBytes, long beforeBytes, long afterBytes, long elapsedMs);
}
