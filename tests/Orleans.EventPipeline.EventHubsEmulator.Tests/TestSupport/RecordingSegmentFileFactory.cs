using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

/// <summary>
/// Real segment files whose writes and fsyncs are recorded in one global order, together with the
/// moments a client saw its sends acknowledged: a test can then prove that no acknowledgement came
/// before the fsync of the bytes it covers. Crash tests cannot: the page cache survives a killed
/// process, so a missing fsync never fails them.
/// </summary>
internal sealed class RecordingSegmentFileFactory(TimeSpan fsyncDuration) : ISegmentFileFactory
{
    private readonly Lock _gate = new();
    private readonly List<StorageOperation> _operations = [];
    private readonly TimeSpan _fsyncDuration = fsyncDuration;

    /// <summary>One recorded step: a completed write (its bytes), a completed fsync, or a client's acknowledgement.</summary>
    public sealed record StorageOperation(int Order, string Kind, string? Path, long Offset, byte[] Bytes);

    public ISegmentFile Open(string path) => new RecordingFile(FileSegmentFileFactory.Instance.Open(path), this);

    /// <summary>Records that a client has seen the send of <paramref name="payloads"/> acknowledged.</summary>
    public void RecordAcknowledged(IEnumerable<byte[]> payloads)
    {
        foreach (var payload in payloads)
        {
            Record("ack", null, 0, payload);
        }
    }

    public IReadOnlyList<StorageOperation> Operations
    {
        get
        {
            lock (_gate)
            {
                return [.. _operations];
            }
        }
    }

    private void Record(string kind, string? path, long offset, byte[] bytes)
    {
        lock (_gate)
        {
            _operations.Add(new StorageOperation(_operations.Count, kind, path, offset, bytes));
        }
    }

    private sealed class RecordingFile(ISegmentFile inner, RecordingSegmentFileFactory recorder) : ISegmentFile
    {
        public string Path => inner.Path;

        public long Length => inner.Length;

        public int Read(Span<byte> buffer, long fileOffset) => inner.Read(buffer, fileOffset);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long fileOffset, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, fileOffset, cancellationToken);

        public void Write(ReadOnlySpan<byte> buffer, long fileOffset)
        {
            inner.Write(buffer, fileOffset);
            recorder.Record("write", Path, fileOffset, buffer.ToArray());
        }

        public void FlushToDisk()
        {
            // A slow disk (a busy one, or spinning): an acknowledgement sent before this returns
            // reaches the client while the fsync is still running, so the order shows it.
            Thread.Sleep(recorder._fsyncDuration);
            inner.FlushToDisk();
            recorder.Record("fsync", Path, 0, []);
        }

        public void SetLength(long length) => inner.SetLength(length);

        public void Dispose() => inner.Dispose();
    }
}
