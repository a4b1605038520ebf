using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// The JSON object the gateway writes for each event that arrived over a shipper protocol (Splunk HEC,
/// OTLP), so the stream stays one JSON object per event and processing maps the protocol's fields the
/// same way whatever the tenant's <see cref="JsonFieldMapping"/> (docs/EVENT-SCHEMA.md, "Shipper protocols").
/// It always starts with the bytes of <see cref="Prefix"/>; <see cref="JsonEventParser"/> tells it apart by them.
/// </summary>
public static class ShipperEnvelope
{
    /// <summary>The first bytes of every envelope: <c>{"@shipper":</c>, then <c>"hec"</c> or <c>"otlp"</c>.</summary>
    public static ReadOnlySpan<byte> Prefix => "{\"@shipper\":"u8;

    public const string Shipper = "@shipper";
    public const string Hec = "hec";
    public const string Otlp = "otlp";

    /// <summary>RFC 3339 text, 100 ns precision: the event's own time.</summary>
    public const string Time = "time";

    /// <summary>RFC 3339 text: when the shipper observed the event (OTLP <c>observed_time_unix_nano</c>).</summary>
    public const string ObservedTime = "observedTime";

    public const string SeverityNumber = "severityNumber";
    public const string SeverityText = "severityText";
    public const string Body = "body";

    /// <summary>A JSON object read with the tenant's JSON field mapping, as a native event (HEC's object <c>event</c>).</summary>
    public const string Event = "event";

    /// <summary>An object of strings: resource names such as <c>host.name</c>.</summary>
    public const string Resource = "resource";

    /// <summary>An object of scalars (string, number, boolean).</summary>
    public const string Attributes = "attributes";

    /// <summary>The wire name of a protocol.</summary>
    public static string NameOf(SourceFormat protocol) => protocol == SourceFormat.Hec ? Hec : Otlp;

    /// <summary>RFC 3339 in UTC with seven fraction digits: what a <see cref="DateTimeOffset"/> holds, no more.</summary>
    public static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(json);
        Span<char> text = stackalloc char[40];
        time.UtcDateTime.TryFormat(text, out var written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteString(name, text[..written]);
    }
}

/// <summary>
/// Writes envelopes one after another into one reused buffer: a request costs one writer, not one per event.
/// Non-ASCII text is written as UTF-8, not escaped, so an envelope is not larger than it needs to be.
/// </summary>
public sealed class ShipperEnvelopeWriter : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public ShipperEnvelopeWriter() => _json = new Utf8JsonWriter(_buffer, Options);

    /// <summary>The writer of the envelope begun by <see cref="Begin"/>.</summary>
    public Utf8JsonWriter Json => _json;

    /// <summary>Starts a new envelope of <paramref name="protocol"/>, dropping whatever the last one held.</summary>
    public Utf8JsonWriter Begin(SourceFormat protocol)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString(ShipperEnvelope.Shipper, ShipperEnvelope.NameOf(protocol));
        return _json;
    }

    /// <summary>Closes the envelope; the bytes are valid until the next <see cref="Begin"/>.</summary>
    public ReadOnlySpan<byte> End()
    {
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenSpan;
    }

    public void Dispose() => _json.Dispose();
}
