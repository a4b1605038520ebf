using System.Buffers;

namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>A growable byte buffer from the shared pool, capped at a size limit.</summary>
public sealed class PooledBuffer(int initialCapacity) : IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 4096));

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    /// <summary>Free space of at least <paramref name="sizeHint"/> bytes at the end.</summary>
    public Memory<byte> GetMemory(int sizeHint)
    {
        if (_array.Length - Length < sizeHint)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, Length + sizeHint));
            _array.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = larger;
        }

        return _array.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint) => GetMemory(sizeHint).Span;

    public void Advance(int count) => Length += count;

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
