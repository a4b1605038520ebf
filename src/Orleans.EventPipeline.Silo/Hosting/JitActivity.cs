using System.Globalization;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Whether the JIT has been nearly idle: from readings of the process's compilation time, how much it compiled over
/// the last <see cref="Window"/>. A cold silo under load compiles 30-80 % of a core; nearly idle is under
/// <see cref="QuietShare"/>. Not thread-safe: its owner reads it under its own lock or from one loop.
/// </summary>
internal sealed class JitActivity(TimeSpan window)
{
    /// <summary>Nearly idle: compiling under 5 % of one core over the window (250 ms of JIT in 5 s).</summary>
    public const double QuietShare = 0.05;

    private readonly List<(DateTimeOffset At, TimeSpan Compiled)> _readings = [];

    public TimeSpan Window { get; } = window;

    /// <summary>The process's JIT time so far, on every thread.</summary>
    public static TimeSpan ProcessCompilationTime() => System.Runtime.JitInfo.GetCompilationTime(currentThread: false);

    public void Add(DateTimeOffset at, TimeSpan compiled)
    {
        _readings.Add((at, compiled));
        // The window starts at the newest reading at least Window old, once there is one.
        while (_readings.Count > 2 && at - _readings[1].At >= Window)
        {
            _readings.RemoveAt(0);
        }
    }

    /// <summary>True once the readings span <see cref="Window"/> and the JIT compiled under <see cref="QuietShare"/> of it.</summary>
    public bool IsQuiet
    {
        get
        {
            var (span, compiled) = Last();
            return span >= Window && compiled.TotalMilliseconds < QuietShare * span.TotalMilliseconds;
        }
    }

    /// <summary>What the JIT did over the readings kept, in words.</summary>
    public string Describe()
    {
        var (span, compiled) = Last();
        return string.Create(CultureInfo.InvariantCulture, $"the JIT compiled for {compiled.TotalMilliseconds:F0} ms in the last {span.TotalSeconds:F1} s");
    }

    private (TimeSpan Span, TimeSpan Compiled) Last() =>
        _readings.Count < 2 ? (TimeSpan.Zero, TimeSpan.Zero) : (_readings[^1].At - _readings[0].At, _readings[^1].Compiled - _readings[0].Compiled);
}
