using System.Buffers.Binary;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>The raw frames cut at whole events: every part within the message budget, nothing lost, reordered or copied.</summary>
public sealed class MessageChunksTests
{
    [Fact]
    public void Cut_BatchOverLimit_CutsAtWholeEventsKeepingOrderAndIndexes()
    {
        var sizes = new[] { 300, 300, 300, 50, 600, 10 };
        var frames = Frames(sizes);

        var parts = MessageChunks.Cut(frames, 700).ToList();

        AssertWithinBudget(parts, 700);
        AssertWhole(parts, sizes);
    }

    [Fact]
    public void Cut_SingleEventLargerThanLimit_IsItsOwnPart()
    {
        var parts = MessageChunks.Cut(Frames([10, 2000, 10]), 1000).ToList();

        Assert.Equal([1, 1, 1], parts.Select(static p => p.Count));
        AssertWhole(parts, [10, 2000, 10]);
    }

    [Fact]
    public void Cut_BatchUnderLimit_IsOnePartWithoutCopy()
    {
        var frames = Frames([10, 20, 30]);

        var part = Assert.Single(MessageChunks.Cut(frames, 1_000_000));

        Assert.Equal(3, part.Count);
        Assert.True(part.Frames.Span == frames.Span);
    }

    [Fact]
    public void Cut_ManyEmptyEvents_PrefixesCountAgainstTheBudget()
    {
        // 300,000 empty events are 1.2 MB of prefixes alone: an estimate that counted only event bytes would put them in one message.
        var sizes = new int[300_000];

        var parts = MessageChunks.Cut(Frames(sizes), 1_000_000).ToList();

        Assert.Equal(2, parts.Count);
        AssertWithinBudget(parts, 1_000_000);
        AssertWhole(parts, sizes);
    }

    [Fact]
    public void Cut_ExactFit_EndsAPartAtTheBudget()
    {
        var parts = MessageChunks.Cut(Frames([96, 96, 1]), 200).ToList();

        Assert.Equal([2, 1], parts.Select(static p => p.Count));
        Assert.Equal(200, parts[0].Frames.Length);
    }

    [Fact]
    public void Cut_Items_RangesCoverEveryItemOnceWithinBudget()
    {
        long[] sizes = [5, 5, 0, 11, 3, 3, 3, 20, 1];

        var ranges = MessageChunks.Cut(sizes, static s => s, 10).ToList();

        Assert.Equal(sizes, ranges.SelectMany(r => sizes[r]));
        Assert.All(ranges, r => Assert.True(sizes[r].Sum() <= 10 || sizes[r].Length == 1, $"{r} holds {sizes[r].Sum()} bytes"));
        Assert.Empty(MessageChunks.Cut(Array.Empty<long>(), static s => s, 10));
    }

    private static void AssertWithinBudget(List<MessageChunks.FramesPart> parts, int maxBytes) =>
        Assert.All(parts, p => Assert.True(p.Frames.Length <= maxBytes || p.Count == 1, $"a part of {p.Count} events holds {p.Frames.Length} bytes"));

    private static void AssertWhole(List<MessageChunks.FramesPart> parts, int[] sizes)
    {
        Assert.Equal(sizes.Length, parts.Sum(static p => p.Count));
        Assert.Equal(parts.Select(static p => p.FirstIndex), parts.Select((p, i) => parts.Take(i).Sum(static q => q.Count)));
        Assert.Equal(sizes, parts.SelectMany(static p => Lengths(p.Frames)));
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
