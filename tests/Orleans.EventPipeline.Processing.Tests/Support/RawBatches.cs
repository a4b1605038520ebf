using System.Buffers.Binary;
using System.Text;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Tests.Support;

/// <summary>Raw batches framed as the gateway frames them (docs/STREAM-FORMAT.md).</summary>
internal static class RawBatches
{
    public static RawEventBatch Create(string tenant, Guid batchId, EventKind kind, int firstIndex, params string[] events)
    {
        var frames = new MemoryStream();
        Span<byte> prefix = stackalloc byte[EventFrames.PrefixBytes];
        foreach (var e in events)
        {
            var bytes = Encoding.UTF8.GetBytes(e);
            BinaryPrimitives.WriteInt32LittleEndian(prefix, bytes.Length);
            frames.Write(prefix);
            frames.Write(bytes);
        }

        return new RawEventBatch(tenant, batchId, TestEvents.Ingest, kind, firstIndex, events.Length, frames.ToArray());
    }
}
