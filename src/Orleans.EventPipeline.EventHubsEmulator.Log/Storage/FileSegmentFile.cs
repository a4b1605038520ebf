using Microsoft.Win32.SafeHandles;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

/// <summary>
/// A segment file over a <see cref="SafeFileHandle"/>: pread/pwrite need no shared file position,
/// so readers never contend with the writer for one.
/// </summary>
internal sealed class FileSegmentFile(SafeFileHandle handle, string path) : ISegmentFile
{
    public string Path => path;

    public long Length => RandomAccess.GetLength(handle);

    public int Read(Span<byte> buffer, long fileOffset) => RandomAccess.Read(handle, buffer, fileOffset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long fileOffset, CancellationToken cancellationToken) =>
        RandomAccess.ReadAsync(handle, buffer, fileOffset, cancellationToken);

    public void Write(ReadOnlySpan<byte> buffer, long fileOffset) => RandomAccess.Write(handle, buffer, fileOffset);

    public void FlushToDisk() => RandomAccess.FlushToDisk(handle);

    public void SetLength(long length) => RandomAccess.SetLength(handle, length);

    public void Dispose() => handle.Dispose();
}
