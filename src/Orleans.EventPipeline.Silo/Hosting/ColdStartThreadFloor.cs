namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Keeps <see cref="Threads"/> thread-pool threads ready while a fresh silo's hot code is still being compiled, and
/// gives the pool back its own floor (one thread per core) once the JIT has been nearly idle for <see cref="QuietFor"/>,
/// or after <see cref="LongestFor"/> whatever it does.
/// </summary>
/// <remarks>
/// On two cores a silo under load with quick JIT on spent its first 10-20 s recompiling its hot methods (tier 1: 9,584
/// methods and 5.4 s of JIT in the load's first 12 s), and its first 10 s of ACKs had the worst p99 of a run. Sixteen
/// threads from the start about halved that p99 at 50,000 events/s, but kept for good they cost one-event requests
/// about a tenth of their throughput: a floor is also the pool's target of running threads, and sixteen on two cores
/// switch and spin. Raised for the cold phase only, the warm silo's throughput did not move (docs/PERFORMANCE.md, "A
/// cold silo: sixteen threads for the cold phase only"). Quick JIT is off in the silo's runtimeconfig since; measured
/// again with it off, the floor took a fresh silo's second second at 50,000 events/s from 358-590 ms to 29-90 (ibid.,
/// "the sixteen-thread floor again"). A floor the runtime was configured with that is at least
/// <see cref="Threads"/> (<c>System.Threading.ThreadPool.MinThreads</c>) is left as it is. A silo idle for
/// <see cref="QuietFor"/> after its start gives the floor back before its first request.
/// </remarks>
public sealed partial class ColdStartThreadFloor : IHostedService, IDisposable
{
    /// <summary>Thread-pool threads kept ready while cold: 16, the best of the floors measured for a cold silo's first seconds.</summary>
    public const int Threads = 16;

    /// <summary>How long the JIT must have been nearly idle (under <see cref="JitActivity.QuietShare"/> of one core) before the floor goes: 5 s.</summary>
    public static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(5);

    /// <summary>At most 2 minutes: a silo whose JIT never settles (code generated at run time) keeps the pool's own floor from then on.</summary>
    public static readonly TimeSpan LongestFor = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan> _compilationTime;
    private readonly Func<(int Workers, int CompletionPorts)> _readFloor;
    private readonly Func<int, int, bool> _setFloor;
    private readonly ILogger<ColdStartThreadFloor> _logger;
    private readonly JitActivity _jit = new(QuietFor);
    private ITimer? _timer;
    private DateTimeOffset _raisedAt;
    private int _ownWorkers;
    private int _ownCompletionPorts;
    private bool _raised;

    public ColdStartThreadFloor(TimeProvider time, ILogger<ColdStartThreadFloor> logger)
        : this(time, logger, JitActivity.ProcessCompilationTime, ReadPoolFloor, SetPoolFloor)
    {
    }

    /// <summary>
    /// <paramref name="compilationTime"/>: the process's JIT time so far; <paramref name="readFloor"/> and
    /// <paramref name="setFloor"/>: the thread pool's floor of workers and completion ports (set returns whether the pool took it). The tests give their own:
    /// other tests compile in the process, and silos they start there raise and lower the one pool.
    /// </summary>
    internal ColdStartThreadFloor(TimeProvider time, ILogger<ColdStartThreadFloor> logger, Func<TimeSpan> compilationTime, Func<(int Workers, int CompletionPorts)> readFloor, Func<int, int, bool> setFloor)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _logger = logger;
        _compilationTime = compilationTime;
        _readFloor = readFloor;
        _setFloor = setFloor;
    }

    /// <summary>For tests: whether the floor is raised now.</summary>
    internal bool Raised
    {
        get
        {
            lock (_lock)
            {
                return _raised;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var (workers, completionPorts) = _readFloor();
        if (workers >= Threads)
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            // Refused when the pool's ceiling is under the floor (System.Threading.ThreadPool.MaxThreads): nothing to give back then.
            if (!_setFloor(Threads, completionPorts))
            {
                return Task.CompletedTask;
            }

            _ownWorkers = workers;
            _ownCompletionPorts = completionPorts;
            _raisedAt = _time.GetUtcNow();
            _jit.Add(_raisedAt, _compilationTime());
            _raised = true;
            _timer = _time.CreateTimer(static state => ((ColdStartThreadFloor)state!).Check(), this, CheckEvery, CheckEvery);
        }

        LogRaised(_logger, Threads, workers);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Lower(reason: null);
        return Task.CompletedTask;
    }

    /// <summary>Gives the floor back too: a host whose start failed is disposed without being stopped.</summary>
    public void Dispose()
    {
        Lower(reason: null);
        _timer?.Dispose();
    }

    private void Check()
    {
        string? reason = null;
        lock (_lock)
        {
            if (!_raised)
            {
                return;
            }

            // Read under the lock: on a starved pool, the cold phase's, two late ticks may run at once.
            var now = _time.GetUtcNow();
            _jit.Add(now, _compilationTime());
            if (_jit.IsQuiet)
            {
                reason = _jit.Describe();
            }
            else if (now - _raisedAt >= LongestFor)
            {
                reason = $"{_jit.Describe()}, but the floor is kept at most {LongestFor.TotalSeconds:F0} s";
            }
        }

        if (reason is not null)
        {
            Lower(reason);
        }
    }

    private void Lower(string? reason)
    {
        TimeSpan raisedFor;
        lock (_lock)
        {
            if (!_raised)
            {
                return;
            }

            // The floor first: nothing after it may keep the pool at Threads.
            _setFloor(_ownWorkers, _ownCompletionPorts);
            _raised = false;
            raisedFor = _time.GetUtcNow() - _raisedAt;
        }

        // No more ticks (disposing a timer twice, or from its own tick, is allowed).
        _timer?.Dispose();
        if (reason is not null)
        {
            LogLowered(_logger, _ownWorkers, raisedFor.TotalSeconds, reason);
        }
    }

    private static (int Workers, int CompletionPorts) ReadPoolFloor()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        return (workers, completionPorts);
    }

    private static bool SetPoolFloor(int workers, int completionPorts) => ThreadPool.SetMinThreads(workers, completionPorts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Thread pool keeps {Threads} threads ready while this silo's code is compiled (its own floor is {Workers})")]
    private static partial void LogRaised(ILogger logger, int threads, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Thread pool back to its own floor of {Workers} threads after {Seconds:F0} s: {Reason}")]
    private static partial void LogLowered(ILogger logger, int workers, double seconds, string reason);
}
