using System.Runtime.InteropServices;

namespace Orleans.EventPipeline.IO;

/// <summary>
/// fsync of a directory, so a new or renamed file's name survives a power loss: fsync of the file
/// makes its data durable, but POSIX only promises the directory entry once the directory itself is
/// synced. Windows journals NTFS metadata, so there it is a no-op. Compiled into each library that
/// needs it (src/Shared), so none of them depends on another for it.
/// </summary>
internal static partial class DirectorySync
{
    // O_RDONLY. O_DIRECTORY is left out on purpose: its value differs by CPU (0x10000 on x64,
    // 0x4000 on arm64) and a directory opens read-only without it.
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
            throw new IOException($"Could not open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Sync(descriptor) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
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
    private static partial int Sync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
