using System.Diagnostics;

namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>
/// The emulator's data disk: a tmpfs of its own where mounting is allowed (root), so filling it makes
/// the kernel answer ENOSPC to the emulator's log exactly as a full volume would. Where mounting is
/// refused it is a plain directory and the disk-full fault is not offered (the run says so).
/// </summary>
public sealed class DataDisk : IDisposable
{
    private const string FillerName = "harness-filler";
    private const int NoSpaceErrno = 28;

    private DataDisk(string path, bool mounted)
    {
        Path = path;
        CanFill = mounted;
    }

    public string Path { get; }

    /// <summary>Whether <see cref="Fill"/> can really fill it (a tmpfs of its own).</summary>
    public bool CanFill { get; }

    public static DataDisk Create(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        var (exit, error) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (exit != 0)
        {
            Console.Error.WriteLine($"fault harness: mounting a {megabytes} MiB tmpfs at {path} failed ({error.Trim()}); the disk-full fault is off for this run (it needs root).");
        }

        return new DataDisk(path, exit == 0);
    }

    /// <summary>Grows a filler file until the file system refuses even one more 4 KiB page.</summary>
    public void Fill()
    {
        using var filler = File.OpenHandle(System.IO.Path.Combine(Path, FillerName), FileMode.OpenOrCreate, FileAccess.Write);
        var chunk = new byte[1024 * 1024];
        for (var size = chunk.Length; size >= 4096; size /= 4)
        {
            while (true)
            {
                try
                {
                    RandomAccess.Write(filler, chunk.AsSpan(0, size), RandomAccess.GetLength(filler));
                }
                catch (IOException exception) when (exception.HResult == NoSpaceErrno)
                {
                    break;
                }
            }
        }
    }

    public void Free() => File.Delete(System.IO.Path.Combine(Path, FillerName));

    public void Dispose()
    {
        if (CanFill && Run("umount", Path).Exit != 0)
        {
            // A process killed a moment ago may still hold a file open: detach now, the kernel frees it after.
            Run("umount", "-l", Path);
        }
    }

    private static (int Exit, string Error) Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
