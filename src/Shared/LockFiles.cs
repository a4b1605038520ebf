namespace Orleans.EventPipeline.IO;

/// <summary>
/// A lock file held open for a process's life: one process per directory (a silo's data directory, an agent's or a
/// client's spool). The system drops it with the process, kill -9 included. Compiled into each project that takes one
/// (src/Shared).
/// </summary>
internal static class LockFiles
{
    /// <summary>Opens <paramref name="path"/> exclusively, creating it; an <see cref="IOException"/> when another holds it.</summary>
    public static FileStream Take(string path) => new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

    /// <summary>
    /// Whether <see cref="Take"/> failed because another process holds the file, as .NET reports it: EWOULDBLOCK on Linux
    /// (11) and macOS (35), a sharing violation on Windows. Any other failure (a read-only file system) is the system's.
    /// </summary>
    public static bool HeldByAnother(IOException exception) => exception.HResult is 11 or 35 or unchecked((int)0x80070020);
}
