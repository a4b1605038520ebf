using System.Buffers;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Reading;

/// <summary>
/// A pooled buffer holding one contiguous range of a segment file. Sequential readers load up to a
/// 256 KiB window at a time (about 250 one-KiB records per read syscall) and parse records out of it,
/// less when the index shows the records asked for end sooner (<see cref="SegmentReader"/>);
/// position lookups, which scan one index interval, read ahead less.
/// </summary>
internal sealed class FileWindow(ISegmentFile file, int readAheadBytes = FileWindow.DefaultReadAheadBytes) : IDisposable
{
    public const int DefaultReadAheadBytes = 256 * 1024;

    private readonly int _readAheadBytes = readAheadBytes;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(readAheadBytes);
    private long _start;
    private int _length;

    /// <summary>The loaded bytes of [position, position + count); call only after a successful load.</summary>
    public ReadOnlySpan<byte> Slice(long position, int count) => _buffer.AsSpan((int)(position - _start), count);

    /// <summary>Ensures [position, position + count) is loaded, reading ahead up to <paramref name="limit"/>; false when the file is shorter.</summary>
    public bool Load(long position, int count, long limit)
    {
        if (Contains(position, count))
        {
            return true;
        }

        var span = Prepare(position, count, limit).Span;
        var filled = 0;
        while (filled < span.Length)
        {
            var read = file.Read(span[filled..], position + filled);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return Complete(position, filled, count);
    }

    public async ValueTask<bool> LoadAsync(long position, int count, long limit, CancellationToken cancellationToken)
    {
        if (Contains(position, count))
        {
            return true;
        }

        var memory = Prepare(position, count, limit);
        var filled = 0;
        while (filled < memory.Length)
        {
            var read = await file.ReadAsync(memory[filled..], position + filled, cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return Complete(position, filled, count);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private bool Contains(long position, int count) => position >= _start && position + count <= _start + _length;

    private Memory<byte> Prepare(long position, int count, long limit)
    {
        if (count > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(count);
        }

        _length = 0;
        // The read-ahead asked for, not the pooled array's length, which may be up to twice it.
        var wanted = (int)Math.Max(count, Math.Min(_readAheadBytes, limit - position));
        return _buffer.AsMemory(0, wanted);
    }

    private bool Complete(long position, int filled, int count)
    {
        _start = position;
        _length = filled;
        return filled >= count;
    }
}
