using System.Diagnostics;

namespace Orleans.EventPipeline.Testing;

/// <summary>
/// A small tmpfs mounted for one test: a disk that really fills, so writers get ENOSPC from the
/// kernel. Mounting needs root, which the tests have here and in CI. Dispose unmounts it.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private const string FillerName = "filler";
    private const int NoSpaceErrno = 28;
    private readonly TempDirectory _directory;

    private TmpfsMount(TempDirectory directory) => _directory = directory;

    public string Path => _directory.Path;

    /// <param name="inodes">At most this many files and folders, when given: a disk that runs out of them before its space.</param>
    public static TmpfsMount Create(int megabytes, int? inodes = null)
    {
        var directory = new TempDirectory();
        try
        {
            Run("mount", "-t", "tmpfs", "-o", inodes is { } files ? $"size={megabytes}m,nr_inodes={files}" : $"size={megabytes}m", "tmpfs", directory.Path);
        }
        catch
        {
            directory.Dispose();
            throw;
        }

        return new TmpfsMount(directory);
    }

    /// <summary>
    /// Grows a filler file until the file system refuses even one more 4 KiB page, so every write
    /// that needs a new page fails with ENOSPC. Call it again to take space others freed meanwhile.
    /// </summary>
    public void Fill()
    {
        using var filler = File.OpenHandle(System.IO.Path.Combine(Path, FillerName), FileMode.OpenOrCreate, FileAccess.Write);
        var chunk = new byte[1024 * 1024];
        for (var size = chunk.Length; size >= 4096; size /= 4)
        {
            while (true)
            {
                var length = RandomAccess.GetLength(filler);
                try
                {
                    RandomAccess.Write(filler, chunk.AsSpan(0, size), length);
                }
                catch (IOException exception) when (exception.HResult == NoSpaceErrno)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Creates empty files until the file system refuses one more (ENOSPC): every create fails, writes to open files do not.</summary>
    public void FillInodes()
    {
        var folder = Directory.CreateDirectory(System.IO.Path.Combine(Path, FillerName + "-inodes")).FullName;
        for (var i = 0; ; i++)
        {
            try
            {
                File.Create(System.IO.Path.Combine(folder, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Dispose();
            }
            catch (IOException exception) when (exception.HResult == NoSpaceErrno)
            {
                return;
            }
        }
    }

    /// <summary>Deletes the filler and the files <see cref="FillInodes"/> made: the space is back.</summary>
    public void Free()
    {
        File.Delete(System.IO.Path.Combine(Path, FillerName));
        var inodes = System.IO.Path.Combine(Path, FillerName + "-inodes");
        if (Directory.Exists(inodes))
        {
            Directory.Delete(inodes, recursive: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Run("umount", Path);
        }
        catch (InvalidOperationException)
        {
            // A child process killed a moment ago may still hold a file; detach now, the kernel frees it after.
            Run("umount", "-l", Path);
        }

        _directory.Dispose();
    }

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {error.Trim()} (mounting a tmpfs needs root).");
        }
    }
}
