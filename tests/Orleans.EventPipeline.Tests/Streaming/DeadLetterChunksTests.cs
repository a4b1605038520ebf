using System.Text;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>Dead letters in parts: whatever their sizes, every part encodes to a body within the dead-letter codec's budget.</summary>
public sealed class DeadLetterChunksTests
{
    public static TheoryData<string> Hostile => ["tiny", "huge", "multibyte", "mixed"];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Chunks_HostileLetters_EveryBodyWithinTheBudgetAndEveryLetterKept(string shape)
    {
        var letters = Letters(shape);

        var chunks = DeadLetterCodec.Chunks(letters).ToList();

        Assert.Equal(letters.Select(static l => l.Index), chunks.SelectMany(static c => c).Select(static l => l.Index));
        foreach (var chunk in chunks)
        {
            var body = Body(chunk);
            Assert.True(body.Length <= DeadLetterCodec.MaxBodyBytes, $"{shape}: a part of {chunk.Count} letters encodes to {body.Length} bytes, over {DeadLetterCodec.MaxBodyBytes}");
        }
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void MaxLineBytes_HostileLetters_NeverBelowTheEncodedLine(string shape)
    {
        foreach (var letter in Letters(shape).Select(DeadLetterCodec.Bounded))
        {
            var line = Body([letter]).Length;
            Assert.True(DeadLetterCodec.MaxLineBytes(letter) >= line, $"{shape}: letter {letter.Index} encodes to {line} bytes, estimated {DeadLetterCodec.MaxLineBytes(letter)}");
        }
    }

    [Fact]
    public void Chunks_OversizeLetter_BoundedKeepingItsOriginalSize()
    {
        var letter = new DeadLetter(7, new string('<', 250_000), new byte[3_000_000]);

        var kept = Assert.Single(Assert.Single(DeadLetterCodec.Chunks([letter])));

        Assert.Equal(DeadLetterCodec.MaxRawBytes, kept.Raw.Length);
        Assert.Equal(3_000_000, kept.OriginalSize);
        Assert.Equal(DeadLetterCodec.MaxReasonChars + 1, kept.Reason.Length);
    }

    [Fact]
    public void Bounded_ReasonCutInsideASurrogatePair_KeepsTheReasonValidUtf16()
    {
        var reason = string.Concat(Enumerable.Repeat("😀<", 600));
        Assert.True(char.IsHighSurrogate(reason[DeadLetterCodec.MaxReasonChars - 1]), "the cut must fall inside a pair");

        var kept = DeadLetterCodec.Bounded(new DeadLetter(1, reason, new byte[1])).Reason;

        Assert.True(Encoding.UTF8.GetByteCount(kept) > 0 && !HasLoneSurrogate(kept), "the bounded reason holds a lone surrogate");
        Assert.True(kept.Length <= DeadLetterCodec.MaxReasonChars + 1);
    }

    private static bool HasLoneSurrogate(string text) =>
        System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done;

    private static List<DeadLetter> Letters(string shape) => shape switch
    {
        // The line's fixed JSON with the largest index and original size: 68 bytes for no reason and no raw bytes.
        "tiny" => [.. Enumerable.Range(0, 40_000).Select(static i => new DeadLetter(int.MaxValue - i, "", ReadOnlyMemory<byte>.Empty) { OriginalSize = int.MaxValue })],
        "huge" => [.. Enumerable.Range(0, 3).Select(static i => new DeadLetter(i, new string('x', 300_000), new byte[5_000_000]))],
        // Every reason character escaped to 6 bytes (\u20AC, \uD83D\uDE00, \u003C); "😀<" cut at 1,000 characters would split a pair.
        "multibyte" => [.. Enumerable.Range(0, 400).Select(static i => new DeadLetter(i, string.Concat(Enumerable.Repeat(i % 2 == 0 ? "😀<" : "€", 600)), Encoding.UTF8.GetBytes(new string('é', 1000))))],
        _ => [.. Enumerable.Range(0, 2_000).Select(static i => new DeadLetter(i, i % 2 == 0 ? "short" : new string('"', 999), new byte[(i * 7919) % 4096]))],
    };

    private static byte[] Body(IReadOnlyList<DeadLetter> letters) =>
        DeadLetterCodec.ToEventData(new DeadLetterBatch("tenant", Guid.NewGuid(), DateTimeOffset.UnixEpoch, "ingest", letters), "tenant-deadletter").EventBody.ToArray();
}
