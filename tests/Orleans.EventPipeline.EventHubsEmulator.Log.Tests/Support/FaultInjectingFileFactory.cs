using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

/// <summary>
/// Real segment files with switches: fail writes (after writing half the buffer, like a torn
/// write), fail fsyncs, or hold fsyncs at a gate so a test can queue appends behind one.
/// </summary>
internal sealed class FaultInjectingFileFactory : ISegmentFileFactory, IDisposable
{
    private readonly ManualResetEventSlim _flushGate = new(initialState: true);
    private TaskCompletionSource _flushEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _flushCount;

    public volatile bool FailWrites;

    public volatile bool FailFlushes;

    public int FlushCount => Volatile.Read(ref _flushCount);

    /// <summary>Completes when an fsync reaches the gate after <see cref="HoldFlushes"/>.</summary>
    public Task FlushEntered => Volatile.Read(ref _flushEntered).Task;

    public void HoldFlushes()
    {
        Volatile.Write(ref _flushEntered, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _flushGate.Reset();
    }

    public void ReleaseFlushes() => _flushGate.Set();

    public void Dispose() => _flushGate.Dispose();

    public ISegmentFile Open(string path) => new FaultInjectingFile(FileSegmentFileFactory.Instance.Open(path), this);

    private sealed class FaultInjectingFile(ISegmentFile inner, FaultInjectingFileFactory owner) : ISegmentFile
    {
        public string Path => inner.Path;

        public long Length => inner.Length;

        public int Read(Span<byte> buffer, long fileOffset) => inner.Read(buffer, fileOffset);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long fileOffset, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, fileOffset, cancellationToken);

        public void Write(ReadOnlySpan<byte> buffer, long fileOffset)
        {
            if (owner.FailWrites)
            {
                inner.Write(buffer[..(buffer.Length / 2)], fileOffset);
                throw new IOException("Injected write fault.");
            }

            inner.Write(buffer, fileOffset);
        }

        public void FlushToDisk()
        {
            Interlocked.Increment(ref owner._flushCount);
            Volatile.Read(ref owner._flushEntered).TrySetResult();
            if (!owner._flushGate.Wait(LogTesting.Timeout))
            {
                throw new TimeoutException("The test never released the held fsync.");
            }

            if (owner.FailFlushes)
            {
                throw new IOException("Injected fsync fault.");
            }

            inner.FlushToDisk();
        }

        public void SetLength(long length) => inner.SetLength(length);

        public void Dispose() => inner.Dispose();
    }
}
