using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Orleans.EventPipeline.Processes;

/// <summary>
/// One process of the pipeline (a silo, the emulator) started by a test, the fault harness or the load
/// tool, restartable with the same command line. Its output goes to a log file when one is given
/// (appended across restarts), so a failed run can be read afterwards, and to <see cref="Line"/>.
/// Faults and stops are the kernel's signals: SIGKILL for a crash, SIGTERM for an orchestrator's stop,
/// SIGSTOP/SIGCONT for a stall.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private readonly ProcessStartInfo _start;
    private readonly StreamWriter? _log;
    private readonly object _logLock = new();
    private readonly System.Text.StringBuilder? _output;
    private Process? _process;
    private Process? _killed;
    private int _unexpectedExits;

    /// <param name="logPath">File the output is appended to; null keeps it in memory instead, in <see cref="Output"/> (for a test's short-lived process).</param>
    public ChildProcess(string name, ProcessStartInfo start, string? logPath)
    {
        Name = name;
        _start = start;
        _start.UseShellExecute = false;
        _start.RedirectStandardOutput = true;
        _start.RedirectStandardError = true;
        _log = logPath is null ? null : new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        LogPath = logPath;
        _output = logPath is null ? new System.Text.StringBuilder() : null;
    }

    public string Name { get; }

    public string? LogPath { get; }

    /// <summary>Everything the process wrote so far, when it has no log file; empty otherwise.</summary>
    public string Output
    {
        get
        {
            lock (_logLock)
            {
                return _output?.ToString() ?? "";
            }
        }
    }

    /// <summary>Where its output can be read (or the output itself), for messages about a failure.</summary>
    public string OutputHint => LogPath is null ? $"its output:\n{Output}" : $"its output is in {LogPath}";

    public bool IsPaused { get; private set; }

    /// <summary>Times the process ended without the harness killing it: a crash, or a refusal to start.</summary>
    public int UnexpectedExits => Volatile.Read(ref _unexpectedExits);

    public bool IsRunning => _process is { HasExited: false };

    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    /// <summary>Raised with each line the process writes, on a thread-pool thread.</summary>
    public event Action<string>? Line;

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        _process?.Dispose();
        var process = new Process { StartInfo = _start, EnableRaisingEvents = true };
        process.Exited += (_, _) =>
        {
            if (!ReferenceEquals(Volatile.Read(ref _killed), process))
            {
                Interlocked.Increment(ref _unexpectedExits);
                Note($"---- {Name} exited by itself with code {process.ExitCode}");
            }
        };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        IsPaused = false;
        Note($"---- started {Name} as pid {process.Id}");
    }

    /// <summary>kill -9: no shutdown code runs; what the process had not made durable is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Note($"---- kill -9 {Name}");
        Volatile.Write(ref _killed, process);
        Signal(process.Id, SigKill);
        await process.WaitForExitAsync();
        IsPaused = false;
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod, then waits for the process to exit; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } process)
        {
            return ExitCode ?? throw new InvalidOperationException($"{Name} was never started.");
        }

        Note($"---- {Name}: SIGTERM");
        Volatile.Write(ref _killed, process);
        Signal(process.Id, SigTerm);
        return await WaitForExitAsync(timeout);
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}; {OutputHint}.");
        }

        return process.ExitCode;
    }

    /// <summary>SIGSTOP: the process holds its sockets and files but answers nothing until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (_process is { HasExited: false } process)
        {
            Note($"---- SIGSTOP {Name}");
            Signal(process.Id, SigStop);
            IsPaused = true;
        }
    }

    public void Resume()
    {
        if (_process is { HasExited: false } process)
        {
            Signal(process.Id, SigCont);
            Note($"---- SIGCONT {Name}");
        }

        IsPaused = false;
    }

    /// <summary>Resident memory now, in bytes (Linux VmRSS); 0 when not running.</summary>
    public long ResidentBytes() => MemoryStatus("VmRSS:");

    /// <summary>CPU time (user + system) of this run of the process so far, in seconds; 0 when not running.</summary>
    public double CpuSeconds()
    {
        if (_process is not { HasExited: false } process)
        {
            return 0;
        }

        try
        {
            return ProcStat.CpuSeconds(process.Id);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Peak resident memory of this run of the process, in bytes (Linux VmHWM); 0 when not running.</summary>
    public long PeakResidentBytes() => MemoryStatus("VmHWM:");

    /// <summary>Starts <see cref="PeakResidentBytes"/> again from the memory resident now (Linux: 5 written to <c>clear_refs</c>); nothing when not running.</summary>
    public void ResetPeakResident()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        try
        {
            File.WriteAllText($"/proc/{process.Id}/clear_refs", "5");
        }
        catch (IOException)
        {
            // Exited meanwhile.
        }
    }

    private long MemoryStatus(string field)
    {
        if (_process is not { HasExited: false } process)
        {
            return 0;
        }

        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsPaused)
        {
            Resume();
        }

        await KillAsync();
        _process?.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
        }
    }

    /// <summary>What the launcher did (started, signalled), in the log file between the process's own lines; not in <see cref="Output"/> or <see cref="Line"/>, which are the process's.</summary>
    private void Note(string line)
    {
        lock (_logLock)
        {
            if (_log is { BaseStream.CanWrite: true })
            {
                _log.WriteLine(line);
            }
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            if (_log is { BaseStream.CanWrite: true })
            {
                _log.WriteLine(line);
            }

            _output?.AppendLine(line);
        }

        Line?.Invoke(line);
    }

    private static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            // ESRCH (3): it exited between the check and the signal, which is what a kill wanted anyway.
            if (errno != 3)
            {
                throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}.");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
#pragma warning disable SA1300, IDE1006 // The C library's name.
    private static partial int kill(int pid, int sig);
#pragma warning restore SA1300, IDE1006
}
