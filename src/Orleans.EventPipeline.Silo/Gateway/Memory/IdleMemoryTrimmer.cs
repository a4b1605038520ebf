using System.Diagnostics;
using Orleans.EventPipeline.Grains;

namespace Orleans.EventPipeline.Silo.Gateway.Memory;

/// <summary>
/// Gives memory back to the operating system once ingest has been idle for <see cref="QuietPeriod"/> after a
/// burst: the garbage collector keeps freed heap committed for reuse, so without this a silo that once
/// held a few hundred MB of bodies, or activated thousands of tenants' grains, stays at that resident size
/// while idle. While ingest stays idle it collects again every <see cref="FollowUpInterval"/>, at most
/// <see cref="MaxFollowUps"/> times: the grains a burst activated leave only after their idle age, and
/// what they held is garbage only then.
/// </summary>
public sealed partial class IdleMemoryTrimmer : IHostedService, IDisposable
{
    /// <summary>10 s without a request holding memory: a pause in the traffic, not a gap between two requests.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Only after bursts that held at least 64 MiB in flight or grew the collector's committed memory by as much
    /// since the last trim: a full compacting collection takes tens of milliseconds on a heap of a few hundred MB,
    /// not worth it to give back a trickle's few megabytes (an idle silo allocates about 1 MB/s, in place).
    /// </summary>
    public const long MinPeakBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The tenants' grains' idle age (<see cref="GrainIdleAge.Minutes"/>): a tenant's processor leaves within one
    /// such period plus Orleans' one-minute collection pass, its settings grain, which the processor's reads kept,
    /// within the next.
    /// </summary>
    public static readonly TimeSpan FollowUpInterval = TimeSpan.FromMinutes(GrainIdleAge.Minutes);

    /// <summary>Three follow-ups reach 6 minutes past the quiet period: both generations of a burst's grains have left by then.</summary>
    public const int MaxFollowUps = 3;

    private readonly Lock _lock = new();
    private readonly InFlightMemoryBudget _budget;
    private readonly Func<long> _committedBytes;
    private readonly ILogger<IdleMemoryTrimmer> _logger;
    private readonly ITimer _timer;
    private long _committedAfterTrim;

    // Collections since the last request: the first needs a burst behind it, the follow-ups do not.
    private int _collections;

    public IdleMemoryTrimmer(InFlightMemoryBudget budget, TimeProvider time, ILogger<IdleMemoryTrimmer> logger)
        : this(budget, time, logger, static () => GC.GetGCMemoryInfo().TotalCommittedBytes)
    {
    }

    /// <summary><paramref name="committedBytes"/>: the collector's committed memory as of its last collection.</summary>
    internal IdleMemoryTrimmer(InFlightMemoryBudget budget, TimeProvider time, ILogger<IdleMemoryTrimmer> logger, Func<long> committedBytes)
    {
        ArgumentNullException.ThrowIfNull(time);
        _budget = budget;
        _logger = logger;
        _committedBytes = committedBytes;
        _timer = time.CreateTimer(static state => ((IdleMemoryTrimmer)state!).TrimIfIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Collections done so far.</summary>
    public int Trims { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _committedAfterTrim = _committedBytes();
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

    // Each time the last request gives its memory back, the quiet period starts again and earlier follow-ups end.
    private void OnIdle()
    {
        lock (_lock)
        {
            _collections = 0;
            _timer.Change(QuietPeriod, Timeout.InfiniteTimeSpan);
        }
    }

    private void TrimIfIdle()
    {
        lock (_lock)
        {
            if (_budget.HeldBytes > 0)
            {
                // A request came in since; its end starts the quiet period again.
                return;
            }

            var peak = _budget.TakePeak();
            if (_collections == 0 && peak < MinPeakBytes && _committedBytes() - _committedAfterTrim < MinPeakBytes)
            {
                return;
            }

            var before = Environment.WorkingSet;
            var watch = Stopwatch.StartNew();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            _committedAfterTrim = _committedBytes();
            Trims++;
            _collections++;
            LogTrimmed(_logger, peak, _collections, before, Environment.WorkingSet, watch.ElapsedMilliseconds);
            if (_collections <= MaxFollowUps)
            {
                _timer.Change(FollowUpInterval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest idle after holding up to {PeakBytes} bytes in flight: collected garbage (collection {Collection} of this idle period), resident memory {BeforeBytes} -> {AfterBytes} bytes in {ElapsedMs} ms")]
    private static partial void LogTrimmed(ILogger logger, long peakBytes, int collection, long beforeBytes, long afterBytes, long elapsedMs);
}
