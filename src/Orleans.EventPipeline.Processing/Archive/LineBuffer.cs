using System.Buffers;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// A growable byte buffer that, unlike <see cref="ArrayBufferWriter{T}"/>, can be cut back to an earlier
/// length: the archive writer drops the part of a line it could not finish, or a whole batch.
/// </summary>
/// <remarks>
/// Allocates on the first write, and <see cref="Release"/> gives the bytes back, so an idle writer holds none.
/// Doubles up to <c>targetCapacity</c> (what it fills to before it is cut: the archive's object size), then
/// grows by an eighth of that at a time up to twice the target: the batch that crosses the target adds a
/// little, not a second copy of everything (a doubling made a 16 MiB object's buffer 32 MiB). Past twice the
/// target (a store that refuses the object, the buffer waiting) it grows by half again, so a long outage
/// copies the buffer a few times, not once per eighth.
/// </remarks>
internal sealed class LineBuffer(int initialCapacity, int targetCapacity) : IBufferWriter<byte>
{
    private byte[] _bytes = [];

    public int WrittenCount { get; private set; }

    /// <summary>Bytes the buffer holds, written or not.</summary>
    public int Capacity => _bytes.Length;

    public ReadOnlySpan<byte> WrittenSpan => _bytes.AsSpan(0, WrittenCount);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _bytes.Length - WrittenCount);
        WrittenCount += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _bytes.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _bytes.AsSpan(WrittenCount);
    }

    /// <summary>Forgets everything written after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, WrittenCount);
        WrittenCount = length;
    }

    public void Clear() => WrittenCount = 0;

    /// <summary>Empties the buffer and drops its bytes; the next write allocates again.</summary>
    public void Release()
    {
        WrittenCount = 0;
        _bytes = [];
    }

    private void Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_bytes.Length - WrittenCount >= needed)
        {
            return;
        }

        var size = _bytes.Length < targetCapacity
            ? Math.Min(Math.Max((long)_bytes.Length * 2, initialCapacity), targetCapacity)
            : _bytes.Length + Math.Max(_bytes.Length < 2L * targetCapacity ? targetCapacity / 8 : _bytes.Length / 2, initialCapacity);
        size = Math.Max(size, (long)WrittenCount + needed);
        Array.Resize(ref _bytes, (int)Math.Min(size, Array.MaxLength));
        if (_bytes.Length - WrittenCount < needed)
        {
            throw new InvalidOperationException($"The archive buffer cannot grow past {Array.MaxLength} bytes; lower Pipeline:Archive:MaxBytes.");
        }
    }
}
