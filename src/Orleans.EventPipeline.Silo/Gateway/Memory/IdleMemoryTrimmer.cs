using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.EventPipeline.Grains;

namespace Orleans.EventPipeline.Silo.Gateway.Memory;

/// <summary>
/// Gives memory back to the operating system once ingest has been idle for <see cref="QuietPeriod"/> after a
/// burst: the garbage collector keeps freed heap committed for reuse, so without this a silo that once held a
/// few hundred MB of bodies, or activated thousands of tenants' grains, stays at that resident size while idle.
/// While ingest stays idle it collects again after each <see cref="FollowUpInterval"/>, at most
/// <see cref="MaxFollowUps"/> times: the grains a burst activated leave only after their idle age, and what they
/// held is garbage only then. Never more than one collection per interval, so a silo whose ingest pauses now and
/// then while its processors are busy pays at most that.
/// </summary>
/// <remarks>
/// Idle means the gateway's ingest only: processors draining a backlog are collected too, each collection pausing
/// them for as long as a full compacting collection of their heap takes. A silo that takes requests more often
/// than every <see cref="QuietPeriod"/> is never idle, and its freed heap is reused by its own traffic instead.
/// </remarks>
public sealed partial class IdleMemoryTrimmer : IHostedService, IDisposable
{
    /// <summary>
    /// A minute without a request holding memory: traffic that stopped, not a gap between a shipper's flushes. The
    /// collection stops every thread while it runs and gives back heap the next burst grows again: with 10 s, a burst of
    /// 50,000 events/s that came back after 10 s of quiet met the collection (ACK p99 280-529 ms in its first second;
    /// 17-25 ms with a minute) and one after 20 s the heap it gave back (up to 115 ms). docs/PERFORMANCE.md, "A cold silo
    /// is cold as a process".
    /// </summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Only after bursts that held at least 64 MiB in flight, or that left at least 64 MiB committed to the heap
    /// beyond its live objects: a full compacting collection is not worth it to give back a trickle's few megabytes.
    /// </summary>
    public const long MinPeakBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Three follow-ups: a processor's last call comes up to its archive's age limit after the last request, so its
    /// grains may leave just after the first follow-up, and the settings grains it kept reading one interval after it.
    /// </summary>
    public const int MaxFollowUps = 3;

    private readonly Lock _lock = new();
    private readonly InFlightMemoryBudget _budget;
    private readonly TimeProvider _time;
    private readonly Func<long> _reclaimableBytes;
    private readonly Action _collect;
    private readonly ILogger<IdleMemoryTrimmer> _logger;
    private readonly ITimer _timer;
    private DateTimeOffset _lastCollection = DateTimeOffset.MinValue;
    private bool _stopped;

    // Collections since the last request: the first needs a burst behind it, the follow-ups do not.
    private int _collections;

    public IdleMemoryTrimmer(InFlightMemoryBudget budget, IOptions<GrainCollectionOptions> collection, TimeProvider time, ILogger<IdleMemoryTrimmer> logger)
        : this(budget, FollowUpAfter(collection.Value), time, logger, ReclaimableBytes, Collect)
    {
    }

    /// <summary>
    /// <paramref name="reclaimableBytes"/>: memory committed to the heap beyond its live objects; <paramref name="collect"/>:
    /// the collection. The tests give their own, so that other tests' heaps in the process decide nothing.
    /// </summary>
    internal IdleMemoryTrimmer(InFlightMemoryBudget budget, TimeSpan followUpInterval, TimeProvider time, ILogger<IdleMemoryTrimmer> logger, Func<long> reclaimableBytes, Action collect)
    {
        ArgumentNullException.ThrowIfNull(time);
        _budget = budget;
        FollowUpInterval = followUpInterval;
        _time = time;
        _logger = logger;
        _reclaimableBytes = reclaimableBytes;
        _collect = collect;
        _timer = time.CreateTimer(static state => ((IdleMemoryTrimmer)state!).TrimIfIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The tenants' grains' idle age (<see cref="GrainIdleAge.Minutes"/>) plus Orleans' collection pass
    /// (<see cref="GrainCollectionOptions.CollectionQuantum"/>, 1 minute by default): a grain idle that long is gone.
    /// </summary>
    public TimeSpan FollowUpInterval { get; }

    public static TimeSpan FollowUpAfter(GrainCollectionOptions collection)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return TimeSpan.FromMinutes(GrainIdleAge.Minutes) + collection.CollectionQuantum;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _budget.Idle += OnIdle;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _budget.Idle -= OnIdle;
        lock (_lock)
        {
            // A callback under way re-arms nothing after this: a collection must not meet the silo's shutdown.
            _stopped = true;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _timer.Dispose();

    // Each time the last request gives its memory back, the quiet period starts again and earlier follow-ups end.
    private void OnIdle()
    {
        lock (_lock)
        {
            if (!_stopped)
            {
                _collections = 0;
                _timer.Change(QuietPeriod, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void TrimIfIdle()
    {
        lock (_lock)
        {
            if (_stopped || _budget.HeldBytes > 0)
            {
                // A request came in since; its end starts the quiet period again.
                return;
            }

            var now = _time.GetUtcNow();
            var peak = _budget.TakePeak();
            var reclaimable = _reclaimableBytes();
            if (_collections == 0 && (now - _lastCollection < FollowUpInterval || (peak < MinPeakBytes && reclaimable < MinPeakBytes)))
            {
                return;
            }

            var before = Environment.WorkingSet;
            var watch = Stopwatch.StartNew();
            _collect();
            _lastCollection = now;
            _collections++;
            LogTrimmed(_logger, _collections, peak, reclaimable, before, Environment.WorkingSet, watch.ElapsedMilliseconds);
            if (_collections <= MaxFollowUps)
            {
                _timer.Change(FollowUpInterval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private static long ReclaimableBytes()
    {
        var last = GC.GetGCMemoryInfo();
        return last.TotalCommittedBytes - (last.HeapSizeBytes - last.FragmentedBytes);
    }

    private static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest idle: collection {Collection} of this idle period (up to {PeakBytes} bytes were in flight, {ReclaimableBytes} committed beyond the live heap at the last collection), resident memory {BeforeBytes} -> {AfterBytes} bytes in {ElapsedMs} ms")]
    private static partial void LogTrimmed(ILogger logger, int collection, long peakBytes, long reclaimableBytes, long beforeBytes, long afterBytes, long elapsedMs);
}
