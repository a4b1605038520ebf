using System.Buffers;
using System.Numerics;
using Orleans.EventPipeline.Silo.Gateway.Memory;

namespace Orleans.EventPipeline.Silo.Gateway.Body;

/// <summary>
/// A growable byte buffer, capped at a size limit and charged to its request's memory lease. Arrays up to
/// <see cref="PooledMaxBytes"/> come from the shared pool; larger ones are allocated and dropped, because the
/// shared pool keeps up to 8 arrays of each size per core and trims them only after a minute without use:
/// pooled 32 MiB body buffers would keep the silo's resident memory at its peak long after the burst.
/// </summary>
public sealed class PooledBuffer : IDisposable
{
    /// <summary>1 MiB: most batches; a rented array of this size is reused, a larger one is not.</summary>
    public const int PooledMaxBytes = 1024 * 1024;

    private const int MinCapacity = 4096;

    private readonly RequestMemoryLease? _lease;
    private readonly int _maxCapacity;
    private byte[] _array;

    /// <param name="initialCapacity">Bytes to start with (at least <see cref="MinCapacity"/>).</param>
    /// <param name="maxCapacity">Largest array the buffer grows to.</param>
    /// <param name="lease">The request's share of the in-flight budget; null when the buffer is not a request's.</param>
    public PooledBuffer(int initialCapacity, int maxCapacity = int.MaxValue, RequestMemoryLease? lease = null)
    {
        _lease = lease;
        _maxCapacity = Math.Max(maxCapacity, MinCapacity);
        _array = Take(Math.Clamp(initialCapacity, MinCapacity, _maxCapacity));
    }

    public int Length { get; private set; }

    /// <summary>Bytes free at the end before the buffer must grow.</summary>
    public int Free => _array.Length - Length;

    /// <summary>The length of the array taken for <paramref name="capacity"/> bytes: the pool's power of two, or exact above it.</summary>
    public static long ArrayBytesFor(int capacity) =>
        capacity <= PooledMaxBytes ? (long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, MinCapacity)) : capacity;

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    /// <summary>Free space of at least <paramref name="sizeHint"/> bytes at the end.</summary>
    public Memory<byte> GetMemory(int sizeHint)
    {
        if (_array.Length - Length < sizeHint)
        {
            var needed = (long)Length + sizeHint;
            if (needed > _maxCapacity)
            {
                throw new InvalidOperationException($"The buffer cannot grow past {_maxCapacity} bytes.");
            }

            var larger = Take((int)Math.Min(_maxCapacity, Math.Max((long)_array.Length * 2, needed)));
            _array.AsSpan(0, Length).CopyTo(larger);
            Give(_array);
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
            Give(array);
        }
    }

    private byte[] Take(int size)
    {
        var array = size <= PooledMaxBytes ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);
        if (_lease is not null && !_lease.TryUse(array.Length))
        {
            if (array.Length <= PooledMaxBytes)
            {
                ArrayPool<byte>.Shared.Return(array);
            }

            throw _lease.Exhausted();
        }

        return array;
    }

    private void Give(byte[] array)
    {
        _lease?.Return(array.Length);
        if (array.Length <= PooledMaxBytes)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
