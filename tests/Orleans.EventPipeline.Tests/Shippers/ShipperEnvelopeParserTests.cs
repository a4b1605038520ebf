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
        Assert.Equal("x", parsed.Attributes["tier#1"].Text);
        Assert.Equal("inner", parsed.Resource["host.name#1"]);
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

    // A native event on /v1/events that begins like an envelope lost what the envelope does not know: {"@shipper":"hec","u":"ID"}
    // was archived without u, and objects and arrays under attributes or resource were left out (helper-110).
    [Fact]
    public void ForgedEnvelope_UnknownFieldsAndNonScalarValues_KeptAsAttributesAndText()
    {
        var parsed = Parse("""{"@shipper":"otlp","u":"ID","deep":{"k":[1,2]},"resource":{"a":{"b":1},"c":"d","n":null,"m":7},"attributes":{"x":[1,{"y":2}],"z":true,"o":{"p":1},"gone":null},"body":"kept"}""");

        Assert.Equal("kept", parsed.Body);
        Assert.Equal("ID", parsed.Attributes["u"].Text);
        Assert.Equal("""{"k":[1,2]}""", parsed.Attributes["deep"].Text);
        Assert.Equal("""{"b":1}""", parsed.Resource["a"]);
        Assert.Equal("d", parsed.Resource["c"]);
        Assert.Equal("7", parsed.Resource["m"]);
        Assert.False(parsed.Resource.ContainsKey("n"));
        Assert.Equal("""[1,{"y":2}]""", parsed.Attributes["x"].Text);
        Assert.Equal("""{"p":1}""", parsed.Attributes["o"].Text);
        Assert.Equal(AttributeKind.Bool, parsed.Attributes["z"].Kind);
        Assert.False(parsed.Attributes.ContainsKey("gone"));
    }

    // The second @shipper named the format and the first was gone (helper-114).
    [Fact]
    public void ForgedEnvelope_ShipperGivenTwice_TheFirstNamesTheProtocol_TheSecondIsKept()
    {
        var parsed = Parse("""{"@shipper":"hec","event":{"msg":"m"},"@shipper":"otlp"}""");

        Assert.Equal(SourceFormat.Hec, parsed.Format);
        Assert.Equal("otlp", parsed.Attributes["@shipper"].Text);
    }

    // "attributes":{"user":"alice","user":"mallory"} kept only mallory; HEC's fields and OTLP's attributes given twice too
    // (helper-109, helper-110).
    [Fact]
    public void Envelope_NameGivenTwice_KeepsEveryValue()
    {
        var parsed = Parse("""{"@shipper":"hec","event":{"msg":"m","user":"ann"},"resource":{"host.name":"a","host.name":"b"},"attributes":{"user":"alice","user":"mallory"}}""");

        Assert.Equal("mallory", parsed.Attributes["user"].Text);
        Assert.Equal(["alice", "ann", "mallory"], parsed.Attributes.Where(static a => a.Key.StartsWith("user", StringComparison.Ordinal)).Select(static a => a.Value.Text).Order(StringComparer.Ordinal));
        Assert.Equal("b", parsed.Resource["host.name"]);
        Assert.Equal("a", parsed.Resource["host.name#1"]);
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
