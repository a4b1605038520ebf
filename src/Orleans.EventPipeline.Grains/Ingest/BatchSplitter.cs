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

    /// <summary>Groups dead letters so each group's JSON (raw bytes grow by 4/3 in base64) stays under the limit.</summary>
    public static IEnumerable<IReadOnlyList<DeadLetter>> SplitDeadLetters(IReadOnlyList<DeadLetter> letters, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(letters);
        var group = new List<DeadLetter>();
        long size = 0;
        foreach (var letter in letters)
        {
            var letterSize = 64 + (letter.Reason.Length * 6) + ((letter.Raw.Length + 2) / 3 * 4);
            if (group.Count > 0 && size + letterSize > maxBytes)
            {
                yield return group;
                group = [];
                size = 0;
            }

            group.Add(letter);
            size += letterSize;
        }

        if (group.Count > 0)
        {
            yield return group;
        }
    }
}
