using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Orleans.EventPipeline.Agent.Sources.Files;

/// <summary>
/// A file's device and inode: what stays the same when logrotate renames it and changes when a new file takes its
/// name. Read with stat(2)/fstat(2); <c>st_dev</c> and <c>st_ino</c> are the first two 64-bit fields of
/// <c>struct stat</c> on Linux x64 and arm64 alike.
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    // struct stat is 144 bytes on x64 and 128 on arm64.
    private const int StatBufferBytes = 256;

    /// <summary>The checkpoint key of the file's position.</summary>
    public string Key => FormattableString.Invariant($"file:{Device}:{Inode}");

    public static bool TryParseKey(string key, out FileIdentity identity)
    {
        identity = default;
        var parts = key.Split(':');
        if (parts.Length != 3 || parts[0] != "file" || !ulong.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var device) || !ulong.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var inode))
        {
            return false;
        }

        identity = new FileIdentity(device, inode);
        return true;
    }

    /// <summary>The identity of the file at <paramref name="path"/> now; false when there is none.</summary>
    public static bool TryOf(string path, out FileIdentity identity)
    {
        var buffer = new byte[StatBufferBytes];
        identity = default;
        if (Stat(path, buffer) != 0)
        {
            return false;
        }

        identity = From(buffer);
        return true;
    }

    /// <summary>The identity of an open file, whatever its name is now.</summary>
    public static FileIdentity Of(SafeFileHandle handle)
    {
        var buffer = new byte[StatBufferBytes];
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (FStat((int)handle.DangerousGetHandle(), buffer) != 0)
            {
                throw new IOException($"fstat failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return From(buffer);
    }

    private static FileIdentity From(byte[] stat) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(stat), BinaryPrimitives.ReadUInt64LittleEndian(stat.AsSpan(8)));

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int descriptor, Span<byte> buffer);
}
