using System.Buffers.Binary;

namespace Orleans.EventPipeline.Streams;

/// <summary>
/// Cuts consecutive items into chunks that each fit one stream message, by the encoded size of each
/// item as its codec reports it. The one place the rule lives, for the raw frames
/// (<see cref="EventFrames"/>), the dead letters (the dead-letter codec) and normalized events (their
/// publisher): a chunk's sizes sum to at most the budget, except that an item larger than the budget
/// on its own is a chunk of its own (its codec bounds such items beforehand where the stream would
/// refuse them).
/// </summary>
public static class MessageChunks
{
    /// <summary>A run of whole events: a slice of the original buffer, never a copy.</summary>
    /// <param name="FirstIndex">Ordinal of the run's first event among all the frames.</param>
    public readonly record struct FramesPart(int FirstIndex, int Count, ReadOnlyMemory<byte> Frames);

    /// <summary>Consecutive ranges of <paramref name="items"/>, each within <paramref name="maxBytes"/> by <paramref name="encodedBytes"/>.</summary>
    public static IEnumerable<Range> Cut<T>(IReadOnlyList<T> items, Func<T, long> encodedBytes, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(encodedBytes);
        return Cut(items.Count, i => encodedBytes(items[i]), maxBytes);
    }

    /// <summary>Consecutive ranges of <paramref name="count"/> items, each within <paramref name="maxBytes"/> by <paramref name="encodedBytesAt"/> of an item's index.</summary>
    public static IEnumerable<Range> Cut(int count, Func<int, long> encodedBytesAt, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(encodedBytesAt);
        var budget = new Budget(maxBytes);
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            if (budget.StartsNewChunk(encodedBytesAt(i)))
            {
                yield return start..i;
                start = i;
            }
        }

        if (count > 0)
        {
            yield return start..count;
        }
    }

    /// <summary>
    /// Length-prefixed frames cut at whole events, each part's bytes at most <paramref name="maxBytes"/>:
    /// a frame's encoded size is exact, its prefix plus its bytes.
    /// </summary>
    public static IEnumerable<FramesPart> Cut(ReadOnlyMemory<byte> frames, long maxBytes)
    {
        var budget = new Budget(maxBytes);
        var start = 0;
        var position = 0;
        var first = 0;
        var count = 0;
        while (position < frames.Length)
        {
            var size = EventFrames.PrefixBytes + BinaryPrimitives.ReadInt32LittleEndian(frames.Span[position..]);
            if (budget.StartsNewChunk(size))
            {
                yield return new FramesPart(first, count, frames[start..position]);
                start = position;
                first += count;
                count = 0;
            }

            position += size;
            count++;
        }

        if (count > 0)
        {
            yield return new FramesPart(first, count, frames[start..position]);
        }
    }

    /// <summary>The rule: the next item starts a new chunk when the current one holds items and would go over.</summary>
    private struct Budget(long maxBytes)
    {
        private long _used;
        private bool _empty = true;

        public bool StartsNewChunk(long size)
        {
            var startsNew = !_empty && _used + size > maxBytes;
            _used = startsNew ? size : _used + size;
            _empty = false;
            return startsNew;
        }
    }
}
