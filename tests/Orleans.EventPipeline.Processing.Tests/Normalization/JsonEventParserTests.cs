using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class JsonEventParserTests
{
    private static readonly JsonEventParser Default = new(new JsonFieldMapping());

    [Fact]
    public void TryParse_DefaultMapping_FillsSchemaAndKeepsOtherFieldsAsAttributes()
    {
        var e = TestEvents.Parse(Default, """{"timestamp":"2024-05-01T11:59:58.123+02:00","level":"WARN","message":"disk 91% full","host":"web-1","app":"nginx","disk":"/dev/sda1","used":91,"ratio":0.91,"mounted":true,"tags":["a","b"],"gone":null}""");

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 9, 59, 58, 123, TimeSpan.Zero), e.Timestamp!.Value.ToUniversalTime());
        Assert.Equal(Severity.Warn, e.SeverityNumber);
        Assert.Equal("WARN", e.SeverityText);
        Assert.Equal("disk 91% full", e.Body);
        Assert.Equal("web-1", e.Resource[ResourceNames.Host]);
        Assert.Equal("nginx", e.Resource[ResourceNames.Service]);
        Assert.Equal("/dev/sda1", e.Attributes["disk"].Text);
        Assert.Equal(91, e.Attributes["used"].IntValue);
        Assert.Equal(0.91, e.Attributes["ratio"].DoubleValue);
        Assert.Equal(AttributeKind.Bool, e.Attributes["mounted"].Kind);
        Assert.Equal("""["a","b"]""", e.Attributes["tags"].Text);
        Assert.False(e.Attributes.ContainsKey("gone"));
        Assert.False(e.Attributes.ContainsKey("message"));
        Assert.Equal(SourceFormat.Json, e.Format);
        Assert.Equal(TestEvents.Ingest, e.ObservedTime);
    }

    [Fact]
    public void TryParse_NestedObjectsAndDottedMapping_FlattensAndMaps()
    {
        var parser = new JsonEventParser(new JsonFieldMapping { Timestamp = "@timestamp", Severity = "log.level", Body = "msg", Host = "host.hostname", App = null });

        var e = TestEvents.Parse(parser, """{"@timestamp":"2024-05-01T12:00:00Z","log":{"level":"error","logger":"auth"},"msg":"login failed","host":{"hostname":"db-2","ip":"10.0.0.5"},"user":{"name":"ann","geo":{"city":"Oslo"}}}""");

        Assert.Equal(Severity.Error, e.SeverityNumber);
        Assert.Equal("login failed", e.Body);
        Assert.Equal("db-2", e.Resource[ResourceNames.Host]);
        Assert.Equal("auth", e.Attributes["log.logger"].Text);
        Assert.Equal("10.0.0.5", e.Attributes["host.ip"].Text);
        Assert.Equal("Oslo", e.Attributes["user.geo.city"].Text);
    }

    /// <summary>
    /// A name given twice, or a dotted name beside the object it flattens to, keeps every value: the last has the name
    /// (as JSON readers take a repeated name), the earlier ones go to name#1, #2 (before, they were dropped silently).
    /// </summary>
    [Fact]
    public void TryParse_ANameGivenTwiceOrFlattenedOntoAnother_KeepsEveryValue()
    {
        var e = TestEvents.Parse(Default, """{"message":"m","user":"alice","user":"mallory","a.b#1":"taken","a.b":1,"a":{"b":2},"user":"eve"}""");

        Assert.Equal("eve", e.Attributes["user"].Text);
        Assert.Equal("alice", e.Attributes["user#1"].Text);
        Assert.Equal("mallory", e.Attributes["user#2"].Text);
        Assert.Equal(2, e.Attributes["a.b"].IntValue);
        Assert.Equal(1, e.Attributes["a.b#2"].IntValue);
        Assert.Equal("taken", e.Attributes["a.b#1"].Text);
        Assert.Equal(6, e.Attributes.Count);
    }

    /// <summary>The mapped fields given twice: the last is the event's, the earlier is kept as name#1 (the fields a forger repeats).</summary>
    [Fact]
    public void TryParse_MappedFieldsGivenTwice_TheLastIsTheEventsAndTheEarlierIsKept()
    {
        var e = TestEvents.Parse(Default, """{"message":"real","message":"fake","host":"h1","host":"h2","app":"a1","app":"a2","level":"error","level":"info","timestamp":"2024-05-01T12:00:00Z","timestamp":"2030-01-01T00:00:00Z"}""");

        Assert.Equal("fake", e.Body);
        Assert.Equal("real", e.Attributes["message#1"].Text);
        Assert.Equal("h2", e.Resource[ResourceNames.Host]);
        Assert.Equal("h1", e.Attributes["host#1"].Text);
        Assert.Equal("a1", e.Attributes["app#1"].Text);
        Assert.Equal(Severity.Info, e.SeverityNumber);
        Assert.Equal("error", e.Attributes["level#1"].Text);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("2024-05-01T12:00:00.0000000+00:00", e.Attributes["timestamp#1"].Text);
        Assert.Equal(5, e.Attributes.Count);
    }

    /// <summary>A name repeated throughout a large event keeps each value under a number of its own.</summary>
    [Fact]
    public void TryParse_ANameRepeated20000Times_KeepsEachValueNumbered()
    {
        var json = "{\"message\":\"m\"," + string.Join(",", Enumerable.Range(0, 20_000).Select(static i => $"\"a\":{i}")) + "}";

        var e = TestEvents.Parse(Default, json);

        Assert.Equal(20_000, e.Attributes.Count);
        Assert.Equal(19_999, e.Attributes["a"].IntValue);
        Assert.Equal(0, e.Attributes["a#1"].IntValue);
        Assert.Equal(19_998, e.Attributes["a#19999"].IntValue);
    }

    [Theory]
    [InlineData("1714564800", 0)]
    [InlineData("1714564800123", 123)]
    [InlineData("1714564800.5", 500)]
    [InlineData("\"1714564800\"", 0)]
    [InlineData("\"2024-05-01 12:00:00\"", 0)]
    [InlineData("\"2024-05-01T12:00:00.000000012Z\"", 0)]
    public void TryParse_UnixAndTextTimestamps_AreRead(string value, int milliseconds)
    {
        var e = TestEvents.Parse(Default, $$"""{"timestamp":{{value}},"message":"m"}""");

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, milliseconds, TimeSpan.Zero), e.Timestamp);
    }

    [Fact]
    public void TryParse_NoTimestampField_LeavesTimestampNull()
    {
        var e = TestEvents.Parse(Default, """{"message":"m"}""");

        Assert.Null(e.Timestamp);
        Assert.Equal(TestEvents.Ingest, e.EffectiveTime);
    }

    [Fact]
    public void TryParse_NumericSeverity_IsTakenAsOpenTelemetryNumber()
    {
        Assert.Equal(21, TestEvents.Parse(Default, """{"level":21}""").SeverityNumber);
    }

    [Theory]
    [InlineData("99")]
    [InlineData("0")]
    [InlineData("-3")]
    public void TryParse_NumericSeverityOutOfRange_IsUnspecifiedAndKeptAsWritten(string level)
    {
        var e = TestEvents.Parse(Default, $$"""{"level":{{level}}}""");

        Assert.Equal(Severity.Unspecified, e.SeverityNumber);
        Assert.Equal(level, e.SeverityText);
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("{\"message\":\"cut", "not valid JSON")]
    [InlineData("[1,2,3]", "not a JSON object")]
    [InlineData("{\"a\":1} {\"b\":2}", "not valid JSON")]
    [InlineData("{\"timestamp\":\"yesterday\"}", "timestamp field \"timestamp\"")]
    public void TryParse_Garbage_FailsWithReason(string line, string expected)
    {
        Assert.Contains(expected, TestEvents.Fail(Default, line), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ManyAttributesAfterFew_KeepsEveryAttribute()
    {
        // The attribute dictionary starts at the last event's size: a larger event after a small one keeps every
        // attribute, in the order written (the archive line's order).
        var parser = new JsonEventParser(new JsonFieldMapping());
        TestEvents.Parse(parser, """{"a":1}""");

        var wide = TestEvents.Parse(parser, "{" + string.Join(",", Enumerable.Range(0, 40).Select(static i => $"\"k{i}\":{i}")) + "}");

        Assert.Equal(Enumerable.Range(0, 40).Select(static i => $"k{i}"), wide.Attributes.Keys);
        Assert.All(Enumerable.Range(0, 40), i => Assert.Equal(i, wide.Attributes[$"k{i}"].IntValue));
    }
}
