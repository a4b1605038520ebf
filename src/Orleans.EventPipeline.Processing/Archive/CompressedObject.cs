using System.Buffers;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// An archive object's compressed bytes, in an array <see cref="ArchiveFormat.Compress"/> may have lent from
/// its pool: dispose it once the store has taken <see cref="Bytes"/>, and do not read them after. After a
/// failed write leave it to the collector: the array must not be lent again while a reader may remain.
/// </summary>
public sealed class CompressedObject : IDisposable
{
    private readonly ArrayPool<byte>? _lender;
    private byte[]? _array;

    internal CompressedObject(byte[] array, int length, ArrayPool<byte>? lender)
    {
        _array = array;
        _lender = lender;
        Length = length;
    }

    public int Length { get; }

    /// <exception cref="ObjectDisposedException">The array went back to its pool.</exception>
    public ReadOnlyMemory<byte> Bytes => (_array ?? throw new ObjectDisposedException(nameof(CompressedObject))).AsMemory(0, Length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            _lender?.Return(array);
        }
    }
}
