using System.Buffers;
using Orleans.Serialization.Buffers;

namespace Orleans.EventPipeline.Processing.Ordering;

/// <summary>
/// Orleans' pooled, segmented buffer behind a class: a serializer given an <see cref="IBufferWriter{T}"/> by value
/// appends to this one, and the segments go back to Orleans' pool on <see cref="Dispose"/>, so serializing a batch
/// keeps no scratch array of its own between batches.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private PooledBuffer _buffer = new();

    /// <summary>Bytes written.</summary>
    public int Length => _buffer.Length;

    public void Advance(int count) => _buffer.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

    /// <summary>Copies the bytes written from <paramref name="offset"/> on, as many as <paramref name="destination"/> holds.</summary>
    public void CopyTo(int offset, Span<byte> destination) => _buffer.Slice(offset, destination.Length).CopyTo(destination);

    public void Dispose() => _buffer.Dispose();
}
