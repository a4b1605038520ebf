using System.Buffers.Binary;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class BatchSplitterTests
{
    [Fact]
    public void Split_BatchOverLimit_CutsAtWholeEventsKeepingOrderAndIndexes()
    {
        var sizes = new[] { 300, 300, 300, 50, 600, 10 };
        var frames = Frames(sizes);

        var parts = BatchSplitter.Split(frames, 700).ToList();

        Assert.All(parts, static p => Assert.True(p.Frames.Length <= 700 || p.Count == 1));
        Assert.Equal(sizes.Length, parts.Sum(static p => p.Count));
        Assert.Equal(parts.Select(static p => p.FirstIndex), parts.Select((p, i) => parts.Take(i).Sum(static q => q.Count)));
        var lengths = parts.SelectMany(static p => Lengths(p.Frames)).ToArray();
        Assert.Equal(sizes, lengths);
    }

    [Fact]
    public void Split_SingleEventLargerThanLimit_IsItsOwnPart()
    {
        var parts = BatchSplitter.Split(Frames([2000]), 1000).ToList();

        Assert.Single(parts);
        Assert.Equal(1, parts[0].Count);
    }

    [Fact]
    public void Split_BatchUnderLimit_IsOnePartWithoutCopy()
    {
        var frames = Frames([10, 20, 30]);

        var part = Assert.Single(BatchSplitter.Split(frames, 1_000_000));

        Assert.Equal(3, part.Count);
        Assert.True(part.Frames.Span == frames.Span);
    }

    private static ReadOnlyMemory<byte> Frames(int[] sizes)
    {
        var buffer = new byte[sizes.Sum(static s => s + EventFrames.PrefixBytes)];
        var at = 0;
        foreach (var size in sizes)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(at), size);
            at += EventFrames.PrefixBytes + size;
        }

        return buffer;
    }

    private static List<int> Lengths(ReadOnlyMemory<byte> frames)
    {
        var list = new List<int>();
        foreach (var e in new EventFrames(frames))
        {
            list.Add(e.Length);
        }

        return list;
    }
}
