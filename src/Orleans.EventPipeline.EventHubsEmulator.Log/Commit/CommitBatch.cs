using System.Buffers;
using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Commit;

/// <summary>
/// Records queued for the next group commit, already encoded exactly as they go to disk in one
/// pooled buffer, so the commit is a single write. Appenders fill it under the writer's lock.
/// </summary>
internal sealed class CommitBatch(ArrayPool<byte> pool)
{
    /// <summary>1 MiB: one batch of 1,000 one-KiB events fits without growing.</summary>
    private const int InitialBufferBytes = 1024 * 1024;

    private byte[] _buffer = [];
    private int _length;

    public List<CommitWaiter> Waiters { get; } = [];

    /// <summary>Sparse index points falling inside this batch.</summary>
    public List<IndexEntry> IndexEntries { get; } = [];

    public int RecordCount { get; private set; }

    public long FirstSequenceNumber { get; private set; }

    public long FirstOffset { get; private set; }

    public long FirstEnqueuedTimeMs { get; private set; }

    public long LastSequenceNumber { get; private set; }

    public long LastOffset { get; private set; }

    public long LastEnqueuedTimeMs { get; private set; }

    public int Length => _length;

    public ReadOnlySpan<byte> Data => _buffer.AsSpan(0, _length);

    /// <summary>Makes room for <paramref name="bytes"/> more encoded bytes, so a whole append grows the buffer at most once.</summary>
    public void Reserve(long bytes)
    {
        var needed = _length + bytes;
        if (needed <= _buffer.Length)
        {
            return;
        }

        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException(
                $"The pending group commit would exceed {Array.MaxLength} bytes; the disk is not keeping up. Retry the append after earlier ones complete.");
        }

        // Double on growth so a backlog of many appends copies each byte a bounded number of times.
        var size = _buffer.Length == 0 ? Math.Max(InitialBufferBytes, needed) : Math.Max(needed, 2L * _buffer.Length);
        var grown = pool.Rent((int)Math.Min(Array.MaxLength, size));
        if (_buffer.Length > 0)
        {
            _buffer.AsSpan(0, _length).CopyTo(grown);
            pool.Return(_buffer);
        }

        _buffer = grown;
    }

    public void Append(long sequenceNumber, long offset, long enqueuedTimeMs, ReadOnlySpan<byte> payload)
    {
        var recordLength = RecordHeader.Size + payload.Length;
        Reserve(recordLength);
        RecordHeader.Write(_buffer.AsSpan(_length, recordLength), sequenceNumber, offset, enqueuedTimeMs, payload);
        _length += recordLength;
        if (RecordCount == 0)
        {
            FirstSequenceNumber = sequenceNumber;
            FirstOffset = offset;
            FirstEnqueuedTimeMs = enqueuedTimeMs;
        }

        LastSequenceNumber = sequenceNumber;
        LastOffset = offset;
        LastEnqueuedTimeMs = enqueuedTimeMs;
        RecordCount++;
    }

    /// <summary>
    /// The encoded bytes for the tail cache, in an array of their own that is at most twice their length:
    /// the batch's buffer itself when they fill half of it or more (the batch is left without one), else
    /// a copy, and the buffer goes back to the pool on <see cref="Reset"/> for the next batch. Handing a
    /// 1 MiB buffer over for a one-event commit of 1 KiB made the cache, which counts the bytes in it,
    /// hold 16,000 such buffers per partition: 21 GB of large-object heap in a minute of one-event requests.
    /// </summary>
    public byte[] TakeData()
    {
        if (2L * _length >= _buffer.Length)
        {
            var buffer = _buffer;
            _buffer = [];
            return buffer;
        }

        var copy = pool.Rent(_length);
        _buffer.AsSpan(0, _length).CopyTo(copy);
        return copy;
    }

    /// <summary>Empties the batch for reuse; returns its buffer to the pool unless the tail cache took it.</summary>
    public void Reset()
    {
        if (_buffer.Length > 0)
        {
            pool.Return(_buffer);
            _buffer = [];
        }

        _length = 0;
        RecordCount = 0;
        Waiters.Clear();
        IndexEntries.Clear();
    }
}
