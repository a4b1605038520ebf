namespace Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

/// <summary>
/// Positional access to one segment file. The log writes from one thread at a time and reads from
/// many; implementations must allow concurrent positional reads alongside the single writer.
/// This is the seam tests use to inject I/O faults.
/// </summary>
public interface ISegmentFile : IDisposable
{
    string Path { get; }

    long Length { get; }

    /// <summary>Reads at <paramref name="fileOffset"/>; returns fewer bytes only at end of file.</summary>
    int Read(Span<byte> buffer, long fileOffset);

    ValueTask<int> ReadAsync(Memory<byte> buffer, long fileOffset, CancellationToken cancellationToken);

    void Write(ReadOnlySpan<byte> buffer, long fileOffset);

    /// <summary>Makes every completed write durable (fsync).</summary>
    void FlushToDisk();

    void SetLength(long length);
}
