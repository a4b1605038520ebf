using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

/// <summary>
/// Real segment files with switches: fail writes (after writing half the buffer, like a torn
/// write), fail fsyncs, or hold fsyncs at a gate so a test can queue appends behind one. With
/// <see cref="OutOfSpace"/> the faults are the IOException .NET throws for ENOSPC (HResult 28).
/// <see cref="BytesAskedToRead"/> and <see cref="Reads"/> count what readers asked the files for.
/// </summary>
internal sealed class FaultInjectingFileFactory : ISegmentFileFactory, IDisposable
{
    private readonly ManualResetEventSlim _flushGate = new(initialState: true);
    private TaskCompletionSource _flushEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private const int NoSpaceErrno = 28;
    private int _flushCount;
    private int _faultCount;
    private long _bytesAskedToRead;
    private int _reads;

    public volatile bool FailWrites;

    public volatile bool FailFlushes;

    public volatile bool OutOfSpace;

    public int FlushCount => Volatile.Read(ref _flushCount);

    /// <summary>The lengths of the buffers every read was given, summed: what the reads copied, or would have at the end of a file.</summary>
    public long BytesAskedToRead => Interlocked.Read(ref _bytesAskedToRead);

    /// <summary>Reads of the files so far.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Faults injected so far (writes and fsyncs).</summary>
    public int FaultCount => Volatile.Read(ref _faultCount);

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

    private IOException Fault(string what, string path)
    {
        Interlocked.Increment(ref _faultCount);
        return OutOfSpace
            ? new IOException($"No space left on device : '{path}' (injected {what} fault)", NoSpaceErrno)
            : new IOException($"Injected {what} fault.");
    }

    private sealed class FaultInjectingFile(ISegmentFile inner, FaultInjectingFileFactory owner) : ISegmentFile
    {
        public string Path => inner.Path;

        public long Length => inner.Length;

        public int Read(Span<byte> buffer, long fileOffset)
        {
            Interlocked.Increment(ref owner._reads);
            Interlocked.Add(ref owner._bytesAskedToRead, buffer.Length);
            return inner.Read(buffer, fileOffset);
        }

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long fileOffset, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner._reads);
            Interlocked.Add(ref owner._bytesAskedToRead, buffer.Length);
            return inner.ReadAsync(buffer, fileOffset, cancellationToken);
        }

        public void Write(ReadOnlySpan<byte> buffer, long fileOffset)
        {
            if (owner.FailWrites)
            {
                inner.Write(buffer[..(buffer.Length / 2)], fileOffset);
                throw owner.Fault("write", Path);
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
                throw owner.Fault("fsync", Path);
            }

            inner.FlushToDisk();
        }

        public void SetLength(long length) => inner.SetLength(length);

        public void Dispose() => inner.Dispose();
    }
}
