using Orleans.EventPipeline.Measurement;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>What one phase of a run got back: answers by status, ACKed events and bytes, ACK latencies.</summary>
internal sealed class PhaseResult
{
    /// <summary>Width of the windows <see cref="Windows"/> splits the phase into.</summary>
    public static readonly TimeSpan WindowWidth = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly List<LatencyRecorder> _windows = [];
    private readonly LatencyRecorder[] _firstSeconds = [.. Enumerable.Range(0, (int)WindowWidth.TotalSeconds).Select(static _ => new LatencyRecorder())];
    private readonly List<SecondOfPhase> _seconds = [];
    private long _started;

    /// <summary>Latency of each ACKed (200) request.</summary>
    public LatencyRecorder Latency { get; } = new();

    public long Events { get; private set; }

    public long Bytes { get; private set; }

    public long Errors { get; private set; }

    public Dictionary<int, long> Statuses { get; } = [];

    /// <summary>
    /// Latency of each ACKed request by the <see cref="WindowWidth"/> of the phase it was answered in: a
    /// cold start or a stall shows in its own window instead of hiding in the whole phase's percentiles.
    /// </summary>
    public IReadOnlyList<LatencyRecorder> Windows
    {
        get
        {
            lock (_lock)
            {
                return [.. _windows];
            }
        }
    }

    /// <summary>The first window's latencies second by second: where in a cold start the time goes.</summary>
    public IReadOnlyList<LatencyRecorder> FirstSeconds => _firstSeconds;

    /// <summary>When the phase started, to line its seconds up with a silo's counters.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>
    /// Each second of the phase: requests ACKed, the slowest, and how many took over <see cref="SlowAck"/>. A few
    /// integers a second where a histogram would take a few hundred KB: enough to say when a stall was.
    /// </summary>
    public IReadOnlyList<SecondOfPhase> Seconds
    {
        get
        {
            lock (_lock)
            {
                return [.. _seconds];
            }
        }
    }

    /// <summary>The latency an ACK is counted slow over in <see cref="Seconds"/>: the end-to-end run's target.</summary>
    public static TimeSpan SlowAck { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long the phase took: from its first request to its last answer, past the nominal duration by the requests still in flight at its end.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>ACKed events over the time the phase took (not over its nominal duration).</summary>
    public double EventsPerSecond => Elapsed > TimeSpan.Zero ? Events / Elapsed.TotalSeconds : 0;

    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? Bytes / Elapsed.TotalSeconds : 0;

    /// <summary>Runs <paramref name="phase"/>, recording into a new result, and notes how long it took.</summary>
    public static async Task<PhaseResult> MeasureAsync(Func<PhaseResult, Task> phase)
    {
        var result = new PhaseResult { _started = System.Diagnostics.Stopwatch.GetTimestamp(), StartedAt = DateTimeOffset.UtcNow };
        await phase(result);
        result.Elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(result._started);
        return result;
    }

    public void Record(TimeSpan latency, int status, int events, int bytes)
    {
        if (status != 200)
        {
            lock (_lock)
            {
                Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
                Errors++;
            }

            return;
        }

        LatencyRecorder window;
        TimeSpan sinceStart;
        lock (_lock)
        {
            Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
            Events += events;
            Bytes += bytes;
            sinceStart = System.Diagnostics.Stopwatch.GetElapsedTime(_started);
            window = WindowAt(sinceStart);
            var second = (int)sinceStart.TotalSeconds;
            while (_seconds.Count <= second)
            {
                _seconds.Add(default);
            }

            var stat = _seconds[second];
            _seconds[second] = new SecondOfPhase(stat.Requests + 1, stat.Slow + (latency > SlowAck ? 1 : 0), latency > stat.Slowest ? latency : stat.Slowest);
        }

        // The recorders take values lock-free: only finding the window and counting the second need the lock.
        Latency.Record(latency);
        window.Record(latency);
        if (sinceStart < WindowWidth)
        {
            _firstSeconds[(int)sinceStart.TotalSeconds].Record(latency);
        }
    }

    /// <summary>The window of <paramref name="sinceStart"/>, added with any before it; call under the lock.</summary>
    private LatencyRecorder WindowAt(TimeSpan sinceStart)
    {
        var index = (int)(sinceStart / WindowWidth);
        while (_windows.Count <= index)
        {
            _windows.Add(new LatencyRecorder());
        }

        return _windows[index];
    }
}
