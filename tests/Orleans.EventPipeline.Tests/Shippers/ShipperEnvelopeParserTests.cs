using System.Text;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>The JSON parser reading shipper envelopes: the overlay on an event object, and forged envelopes never throwing.</summary>
public sealed class ShipperEnvelopeParserTests
{
    private static readonly DateTimeOffset IngestTime = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly JsonEventParser Parser = new(new JsonFieldMapping { Body = "msg" });

    [Fact]
    public void Envelope_EventObjectReadWithTheTenantsMapping_EnvelopeFieldsWin()
    {
        var parsed = Parse("""{"@shipper":"hec","event":{"msg":"from event","level":"error","host":"inner","user":"ann","tier":"x"},"time":"2024-05-01T11:00:00.0000000Z","resource":{"host.name":"outer","com.splunk.index":"main"},"attributes":{"tier":"gold","n":3}}""");

        Assert.Equal(SourceFormat.Hec, parsed.Format);
        Assert.Equal("from event", parsed.Body);
        Assert.Equal(17, parsed.SeverityNumber);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 11, 0, 0, TimeSpan.Zero), parsed.Timestamp);
        Assert.Equal("outer", parsed.Resource["host.name"]);
        Assert.Equal("main", parsed.Resource["com.splunk.index"]);
        Assert.Equal("ann", parsed.Attributes["user"].Text);
        Assert.Equal("gold", parsed.Attributes["tier"].Text);
        Assert.Equal(3, parsed.Attributes["n"].IntValue);
        Assert.Equal(IngestTime, parsed.ObservedTime);
    }

    [Fact]
    public void Envelope_HecTimeWins_OverAnEventTimestampThatIsNotATime_WhichIsKeptAsAnAttribute()
    {
        // As the gateway writes it: the event object first, HEC's time after it (before: dead-lettered for the event's timestamp).
        var parsed = Parse("""{"@shipper":"hec","event":{"msg":"x","timestamp":"never"},"time":"2024-05-01T11:00:00.0000000Z"}""");

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 11, 0, 0, TimeSpan.Zero), parsed.Timestamp);
        Assert.Equal("x", parsed.Body);
        Assert.Equal("never", parsed.Attributes["timestamp"].Text);
    }

    [Fact]
    public void Envelope_Otlp_ObservedTimeAndSeverity()
    {
        var parsed = Parse("""{"@shipper":"otlp","observedTime":"2024-05-01T11:59:00.0000000Z","severityNumber":9,"severityText":"Information","body":"hi"}""");

        Assert.Equal(SourceFormat.Otlp, parsed.Format);
        Assert.Null(parsed.Timestamp);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 11, 59, 0, TimeSpan.Zero), parsed.ObservedTime);
        Assert.Equal((9, "Information", "hi"), (parsed.SeverityNumber, parsed.SeverityText, parsed.Body));
    }

    [Theory]
    [InlineData("""{"@shipper":"syslog","body":"x"}""", "names no protocol")]
    [InlineData("""{"@shipper":"otlp","severityNumber":"high"}""", "not readable")]
    [InlineData("""{"@shipper":"otlp","severityNumber":1e10}""", "not readable")]
    [InlineData("""{"@shipper":"otlp","time":"yesterday"}""", "\"time\" is not an RFC 3339 time")]
    [InlineData("""{"@shipper":"otlp","body":{"a":1}}""", "not readable")]
    [InlineData("""{"@shipper":"hec","event":{"msg":"x","timestamp":"never"}}""", "the event object: JSON: the timestamp field")]
    [InlineData("""{"@shipper":"otlp","body":"x""", "not readable")]
    public void ForgedEnvelope_IsAFailureWithItsReason_NeverAnException(string json, string reason)
    {
        var ok = Parser.TryParse(Encoding.UTF8.GetBytes(json), new EventContext("t", "id:0", IngestTime), out _, out var failure);

        Assert.False(ok);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ForgedEnvelope_NonScalarResourceAndAttributeValues_LeftOut()
    {
        var parsed = Parse("""{"@shipper":"otlp","resource":{"a":{"b":1},"c":"d","n":null},"attributes":{"x":[1,{"y":2}],"z":true,"o":{"p":1}},"body":"kept"}""");

        Assert.Equal("kept", parsed.Body);
        Assert.Equal(["c"], parsed.Resource.Keys);
        Assert.Equal(["z"], parsed.Attributes.Keys);
    }

    [Fact]
    public void NativeEventStartingDifferently_IsNotAnEnvelope()
    {
        var parsed = Parse("""{ "@shipper":"otlp","msg":"native"}""");

        Assert.Equal(SourceFormat.Json, parsed.Format);
        Assert.Equal("otlp", parsed.Attributes["@shipper"].Text);
    }

    private static NormalizedEvent Parse(string json)
    {
        Assert.True(Parser.TryParse(Encoding.UTF8.GetBytes(json), new EventContext("t", "id:0", IngestTime), out var parsed, out var failure), failure);
        return parsed;
    }
}
