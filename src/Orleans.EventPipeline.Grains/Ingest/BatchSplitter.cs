using System.Buffers.Binary;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>Cuts a batch at whole events so no Event Hubs message exceeds its size limit.</summary>
public static class BatchSplitter
{
    /// <summary>A run of whole events: slices of the original buffer, never copies.</summary>
    public readonly record struct Part(int FirstIndex, int Count, ReadOnlyMemory<byte> Frames);

    public static IEnumerable<Part> Split(ReadOnlyMemory<byte> frames, int maxBytes)
    {
        var start = 0;
        var position = 0;
        var first = 0;
        var count = 0;
        while (position < frames.Length)
        {
            var size = EventFrames.PrefixBytes + BinaryPrimitives.ReadInt32LittleEndian(frames.Span[position..]);
            if (count > 0 && position + size - start > maxBytes)
            {
                yield return new Part(first, count, frames[start..position]);
                start = position;
                first += count;
                count = 0;
            }

            position += size;
            count++;
        }

        if (count > 0)
        {
            yield return new Part(first, count, frames[start..position]);
        }
    }
}
