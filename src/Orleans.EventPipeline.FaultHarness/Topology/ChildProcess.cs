using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>
/// One process of the pipeline under test, restartable with the same command line. Its output goes to
/// a log file in the work directory (appended across restarts), so a failed run can be read afterwards.
/// Faults are the kernel's signals: SIGKILL for a crash, SIGSTOP/SIGCONT for a stall.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private readonly ProcessStartInfo _start;
    private readonly StreamWriter _log;
    private Process? _process;
    private Process? _killed;
    private int _unexpectedExits;

    public ChildProcess(string name, ProcessStartInfo start, string logPath)
    {
        Name = name;
        _start = start;
        _start.UseShellExecute = false;
        _start.RedirectStandardOutput = true;
        _start.RedirectStandardError = true;
        _log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

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
                Write($"---- harness: {Name} exited by itself with code {process.ExitCode}");
            }
        };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        IsPaused = false;
        Write($"---- harness: started {Name} as pid {process.Id}");
    }

    /// <summary>kill -9: no shutdown code runs; what the process had not made durable is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Write($"---- harness: kill -9 {Name}");
        Volatile.Write(ref _killed, process);
        Signal(process.Id, SigKill);
        await process.WaitForExitAsync();
        IsPaused = false;
    }

    /// <summary>SIGSTOP: the process holds its sockets and files but answers nothing until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (_process is { HasExited: false } process)
        {
            Write($"---- harness: SIGSTOP {Name}");
            Signal(process.Id, SigStop);
            IsPaused = true;
        }
    }

    public void Resume()
    {
        if (_process is { HasExited: false } process)
        {
            Signal(process.Id, SigCont);
            Write($"---- harness: SIGCONT {Name}");
        }

        IsPaused = false;
    }

    /// <summary>Resident memory now, in bytes (Linux VmRSS); 0 when not running.</summary>
    public long ResidentBytes()
    {
        if (_process is not { HasExited: false } process)
        {
            return 0;
        }

        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(static l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
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
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.BaseStream.CanWrite)
            {
                _log.WriteLine(line);
            }
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
