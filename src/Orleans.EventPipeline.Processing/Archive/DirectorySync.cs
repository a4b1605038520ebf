using System.Runtime.InteropServices;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// fsync of a folder: POSIX makes a rename or a new entry durable only once its folder is synced;
/// fsync of the file covers its data alone. NTFS journals its metadata, so on Windows this does nothing.
/// </summary>
internal static partial class DirectorySync
{
    // O_RDONLY. O_DIRECTORY is left out: its value differs between Linux architectures (x64 0x10000,
    // arm64 0x4000), and a plain read-only open of a folder is valid on Linux and macOS alike.
    private const int ReadOnly = 0;

    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open folder \"{directory}\" to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"fsync of folder \"{directory}\" failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
