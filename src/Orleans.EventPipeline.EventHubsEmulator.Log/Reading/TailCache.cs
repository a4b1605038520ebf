using System.Buffers;
using Orleans.EventPipeline.EventHubsEmulator.Log.Format;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Reading;

/// <summary>
/// The most recently committed group-commit buffers (16 MiB of arrays by default: about 16,000
/// one-KiB events committed in large groups, about 8,000 committed one at a time, whose copies are
/// rounded up to the pool's next size), kept so tailing consumers read from memory instead of disk. Chunks are contiguous
/// in sequence number; the oldest go back to the pool first. Records here were checksummed when
/// encoded and never left memory, so they are served without re-verification.
/// </summary>
internal sealed class TailCache(long capacityBytes, ArrayPool<byte> pool) : IDisposable
{
    private readonly Lock _sync = new();
    private readonly Queue<Chunk> _chunks = new();
    private long _bytes;

    // Set by every Add, cleared by each idle check: a check that finds it clear lets the arrays go.
    private bool _added;

    /// <summary>Bytes of the arrays the cache holds (not only the records in them).</summary>
    public long HeldBytes
    {
        get
        {
            lock (_sync)
            {
                return _chunks.Sum(static chunk => (long)chunk.Buffer.Length);
            }
        }
    }

    public void Add(byte[] buffer, int length, long firstSequenceNumber, long lastSequenceNumber)
    {
        lock (_sync)
        {
            _added = true;
            _chunks.Enqueue(new Chunk(buffer, length, firstSequenceNumber, lastSequenceNumber));
            // The arrays count, not the records in them: the budget is the memory the cache holds.
            _bytes += buffer.Length;
            while (_bytes > capacityBytes && _chunks.Count > 0)
            {
                var evicted = _chunks.Dequeue();
                _bytes -= evicted.Buffer.Length;
                pool.Return(evicted.Buffer);
            }
        }
    }

    /// <summary>
    /// Lets every array go when nothing was added since the previous call, and returns their bytes (0 otherwise).
    /// Not to the pool: it keeps what it is given, so an idle log would hold them all the same.
    /// </summary>
    public long ReleaseIfIdle()
    {
        lock (_sync)
        {
            if (_added)
            {
                _added = false;
                return 0;
            }

            var released = _bytes;
            _chunks.Clear();
            _bytes = 0;
            return released;
        }
    }

    /// <summary>
    /// Copies up to <paramref name="maxRecords"/> records from <paramref name="fromSequenceNumber"/>
    /// (below <paramref name="endSequenceNumber"/>) with <paramref name="copy"/>, under the lock that keeps their
    /// buffers from going back to the pool; -1 when the cache does not reach back that far.
    /// </summary>
    public int TryRead(long fromSequenceNumber, long endSequenceNumber, int maxRecords, IList<LogRecord> destination, RecordCopy copy)
    {
        lock (_sync)
        {
            if (_chunks.Count == 0 || fromSequenceNumber < _chunks.Peek().FirstSequenceNumber)
            {
                return -1;
            }

            var count = 0;
            foreach (var chunk in _chunks)
            {
                if (chunk.LastSequenceNumber < fromSequenceNumber)
                {
                    continue;
                }

                var data = chunk.Buffer.AsSpan(0, chunk.Length);
                var position = 0;
                while (position < data.Length && count < maxRecords)
                {
                    RecordHeader.TryRead(data[position..], out var header);
                    if (header.SequenceNumber >= endSequenceNumber)
                    {
                        return count;
                    }

                    if (header.SequenceNumber >= fromSequenceNumber)
                    {
                        var enqueued = DateTimeOffset.FromUnixTimeMilliseconds(header.EnqueuedTimeMs);
                        var payload = copy(header.SequenceNumber, header.Offset, enqueued, data.Slice(position + RecordHeader.Size, header.PayloadLength));
                        destination.Add(new LogRecord(header.SequenceNumber, header.Offset, enqueued, payload));
                        count++;
                    }

                    position += header.RecordLength;
                }

                if (count == maxRecords)
                {
                    break;
                }
            }

            return count;
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            while (_chunks.Count > 0)
            {
                pool.Return(_chunks.Dequeue().Buffer);
            }

            _bytes = 0;
        }
    }

    private readonly record struct Chunk(byte[] Buffer, int Length, long FirstSequenceNumber, long LastSequenceNumber);
}
