using System.Text;
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
    public void FramingFor_SupportedType_IsRecognised(string contentType, BodyFraming expected) =>
        Assert.Equal(expected, EventFramer.FramingFor(contentType));

    [Theory]
    [InlineData(null)]
    [InlineData("text/csv")]
    [InlineData("text/plain; charset=iso-8859-1")]
    public void FramingFor_UnsupportedType_IsNull(string? contentType) => Assert.Null(EventFramer.FramingFor(contentType));

    [Fact]
    public void Frame_NdjsonWithCrLfAndBlankLines_KeepsEachObjectsBytes()
    {
        using var framed = Frame(BodyFraming.Ndjson, "{\"a\":1}\r\n\r\n   \n{\"b\" : [1, {\"c\":null}]}");

        Assert.Equal(["{\"a\":1}", "{\"b\" : [1, {\"c\":null}]}"], Events(framed));
        Assert.Empty(framed.Rejected);
        Assert.Equal(EventKind.Json, framed.Kind);
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

    [Fact]
    public void Frame_EventOverLimit_Throws413()
    {
        var problem = Assert.Throws<IngestProblemException>(() => EventFramer.Frame(BodyFraming.TextLines, Encoding.UTF8.GetBytes("short\n" + new string('x', 65)), 64));

        Assert.Equal(413, problem.StatusCode);
        Assert.Contains("Event 1 is 65 bytes", problem.Message, StringComparison.Ordinal);
    }

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
