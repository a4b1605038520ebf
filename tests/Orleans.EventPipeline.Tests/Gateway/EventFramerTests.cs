using System.Text;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Gateway;

public sealed class EventFramerTests
{
    [Theory]
    [InlineData("application/x-ndjson", BodyFraming.Ndjson)]
    [InlineData("application/x-ndjson; charset=utf-8", BodyFraming.Ndjson)]
    [InlineData("Application/JSON", BodyFraming.JsonArray)]
    [InlineData("text/plain; charset=\"UTF-8\"", BodyFraming.TextLines)]
    [InlineData("text/plain; charset=utf8", BodyFraming.TextLines)]
    public void FramingFor_SupportedType_IsRecognised(string contentType, BodyFraming expected) =>
        Assert.Equal(expected, EventFramer.FramingFor(contentType));

    [Theory]
    [InlineData(null)]
    [InlineData("text/csv")]
    [InlineData("text/plain; charset=iso-8859-1")]
    [InlineData("application/x-ndjson; charset=notutf-8")]
    [InlineData("application/x-ndjson; charset=\"x-utf-8\"")]
    public void FramingFor_UnsupportedType_IsNull(string? contentType) => Assert.Null(EventFramer.FramingFor(contentType));

    [Fact]
    public void Frame_NdjsonWithCrLfAndBlankLines_KeepsEachObjectsBytes()
    {
        using var framed = Frame(BodyFraming.Ndjson, "{\"a\":1}\r\n\r\n   \n{\"b\" : [1, {\"c\":null}]}");

        Assert.Equal(["{\"a\":1}", "{\"b\" : [1, {\"c\":null}]}"], Events(framed));
        Assert.Empty(framed.Rejected);
        Assert.Equal(EventKind.Json, framed.Kind);
    }

    [Theory]
    [InlineData(BodyFraming.Ndjson, "\uFEFF{\"a\":1}\n{\"b\":2}")]
    [InlineData(BodyFraming.JsonArray, "\uFEFF[{\"a\":1},{\"b\":2}]")]
    [InlineData(BodyFraming.TextLines, "\uFEFF{\"a\":1}\n{\"b\":2}")]
    public void Frame_BodyStartsWithAByteOrderMark_TheMarkIsNotPartOfTheFirstEvent(BodyFraming framing, string body)
    {
        using var framed = Frame(framing, body);

        Assert.Equal(["{\"a\":1}", "{\"b\":2}"], Events(framed));
        Assert.Empty(framed.Rejected);
    }

    [Fact]
    public void Frame_NdjsonWithBadLines_RejectsThemByIndexWithReasons()
    {
        using var framed = Frame(BodyFraming.Ndjson, "{\"ok\":1}\n{\"a\":1} {\"b\":2}\n\"just a string\"\n{\"ok\":2}");

        Assert.Equal(["{\"ok\":1}", "{\"ok\":2}"], Events(framed));
        Assert.Equal([1, 2], framed.Rejected.Select(static r => r.Index));
        Assert.Contains("string, not an object", framed.Rejected[1].Reason, StringComparison.Ordinal);
        Assert.Equal("\"just a string\"", Encoding.UTF8.GetString(framed.Rejected[1].Raw.Span));
    }

    [Fact]
    public void Frame_JsonArrayOfMixedElements_AcceptsObjectsRejectsOthers()
    {
        using var framed = Frame(BodyFraming.JsonArray, "[{\"a\":1},\n 42, [\"x\"], {\n \"b\": 2\n}]");

        Assert.Equal(["{\"a\":1}", "{\n \"b\": 2\n}"], Events(framed));
        Assert.Equal([1, 2], framed.Rejected.Select(static r => r.Index));
        Assert.Equal(4, framed.Total);
    }

    [Theory]
    [InlineData("{\"a\":1}", "must be a JSON array")]
    [InlineData("[{\"a\":1}", "not a readable JSON array")]
    [InlineData("[{\"a\":1}] [2]", "not a readable JSON array")]
    public void Frame_UnreadableJsonArray_Throws400(string body, string expected)
    {
        var problem = Assert.Throws<IngestProblemException>(() => Frame(BodyFraming.JsonArray, body));

        Assert.Equal(400, problem.StatusCode);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Frame_TextWithInvalidUtf8Line_RejectsOnlyThatLine()
    {
        var body = Encoding.UTF8.GetBytes("good line\n").Concat(new byte[] { 0xC3, 0x28, (byte)'\n' }).Concat(Encoding.UTF8.GetBytes("another")).ToArray();

        using var framed = EventFramer.Frame(BodyFraming.TextLines, body, 1024);

        Assert.Equal(["good line", "another"], Events(framed));
        Assert.Single(framed.Rejected);
        Assert.Equal(1, framed.Rejected[0].Index);
        Assert.Equal(EventKind.Text, framed.Kind);
    }

    [Theory]
    [InlineData(BodyFraming.Ndjson, "{\"small\":1}\n{\"pad\":\"", "\"}\n{\"small\":2}", 20_010)]
    [InlineData(BodyFraming.JsonArray, "[{\"small\":1},{\"pad\":\"", "\"},{\"small\":2}]", 20_010)]
    [InlineData(BodyFraming.TextLines, "small 1\n", "\nsmall 2", 20_000)]
    public void Frame_EventOverLimit_RejectedAloneKeepingItsFirstBytesAndSize(BodyFraming framing, string before, string after, int oversize)
    {
        const int limit = 8 * 1024;
        var padding = new string('x', 20_000);

        using var framed = EventFramer.Frame(framing, Encoding.UTF8.GetBytes(before + padding + after), limit);

        Assert.Equal(2, framed.Count);
        var rejected = Assert.Single(framed.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.Equal(oversize, rejected.OriginalSize);
        Assert.Equal(FramedEvents.OversizeKeptBytes, rejected.Raw.Length);
        Assert.Equal($"the event is {oversize} bytes; the limit for one event is {limit} bytes (Pipeline:Gateway:MaxEventBytes); its first {FramedEvents.OversizeKeptBytes} bytes are kept in the dead letters", rejected.Reason);
    }

    public static TheoryData<BodyFraming, byte[], int> InvalidUtf8Bodies => new()
    {
        // {"s":"<FF>"} as the second of three events: offset 6 in the event.
        { BodyFraming.Ndjson, [.. "{\"a\":1}\n{\"s\":\""u8, 0xFF, .. "\"}\n{\"b\":2}"u8], 6 },
        { BodyFraming.JsonArray, [.. "[{\"a\":1},{\"s\":\""u8, 0xFF, .. "\"},{\"b\":2}]"u8], 6 },
        // A truncated 3-byte sequence (E2 82) before a space.
        { BodyFraming.TextLines, [.. "first\nab "u8, 0xE2, 0x82, .. " cd\nlast"u8], 3 },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8Bodies))]
    public void Frame_EventWithInvalidUtf8_RejectedAloneNamingTheByteOffset(BodyFraming framing, byte[] body, int offset)
    {
        using var framed = EventFramer.Frame(framing, body, 1024);

        Assert.Equal(2, framed.Count);
        var rejected = Assert.Single(framed.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.Contains($"not valid UTF-8: the byte 0x{rejected.Raw.Span[offset]:X2} at byte offset {offset}", rejected.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BodyFraming.Ndjson, "{\"a\":1}\n{\"s\":\"x\\ud800\"}\n{\"b\":\"\\ud83d\\ude00\"}", 7)]
    [InlineData(BodyFraming.Ndjson, "{\"a\":1}\n{\"\\udc00\":1}\n{\"b\":\"\\u00e9\"}", 2)]
    [InlineData(BodyFraming.JsonArray, "[{\"a\":1},{\"s\":\"\\ud800\\u0041\"},{\"b\":\"\\ud83d\\ude00\"}]", 6)]
    public void Frame_LoneSurrogateEscape_RejectedAloneAndPairsAccepted(BodyFraming framing, string body, int offset)
    {
        using var framed = Frame(framing, body);

        Assert.Equal(2, framed.Count);
        var rejected = Assert.Single(framed.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.Contains($"lone UTF-16 surrogate escape at byte offset {offset}", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal((byte)'\\', rejected.Raw.Span[offset]);
    }

    [Theory]
    [InlineData(BodyFraming.Ndjson)]
    [InlineData(BodyFraming.JsonArray)]
    public void Frame_NestingBeyondTheParsersDepth_RejectedAloneAtTheParsersLimit(BodyFraming framing)
    {
        var deepest = Nested(JsonEventParser.MaxDepth);
        var tooDeep = Nested(JsonEventParser.MaxDepth + 1);
        var veryDeep = Nested(10_000);
        var body = framing == BodyFraming.Ndjson
            ? $"{deepest}\n{tooDeep}\n{veryDeep}\n{{\"ok\":1}}"
            : $"[{deepest},{tooDeep},{veryDeep},{{\"ok\":1}}]";

        using var framed = EventFramer.Frame(framing, Encoding.UTF8.GetBytes(body), 64 * 1024);

        Assert.Equal([deepest, "{\"ok\":1}"], Events(framed));
        Assert.Equal([1, 2], framed.Rejected.Select(static r => r.Index));
        Assert.All(framed.Rejected, static r => Assert.Contains($"more than {JsonEventParser.MaxDepth} deep", r.Reason, StringComparison.Ordinal));
    }

    /// <summary>An object nested <paramref name="depth"/> levels deep, the innermost an array.</summary>
    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "[1]" + new string('}', depth - 1);

    private static FramedEvents Frame(BodyFraming framing, string body) => EventFramer.Frame(framing, Encoding.UTF8.GetBytes(body), 1024);

    private static List<string> Events(FramedEvents framed)
    {
        var list = new List<string>();
        foreach (var e in new EventFrames(framed.Frames))
        {
            list.Add(Encoding.UTF8.GetString(e.Span));
        }

        Assert.Equal(framed.Count, list.Count);
        return list;
    }
}
