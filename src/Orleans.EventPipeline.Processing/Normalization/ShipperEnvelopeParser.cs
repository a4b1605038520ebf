using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// Reads a <see cref="ShipperEnvelope"/>. An <c>event</c> object in it is read first, with the tenant's JSON
/// field mapping like a native event; then the envelope's own fields are laid over it: its time, severity
/// and body replace the mapped ones, and its resource and attribute names take the same names, the payload's values
/// moving to <c>{name}#1</c> (<see cref="RepeatedNames"/>): the protocol's fields are explicit metadata, and nothing the
/// payload held is dropped. An envelope the gateway did not write (a native event on <c>/v1/events</c> that begins
/// like one) loses nothing either: a field the envelope does not know, and a value of a kind the gateway does not
/// write there (an object, an array), is kept as an attribute, an object or array as its JSON text.
/// </summary>
internal static class ShipperEnvelopeParser
{
    // One level more than an event: the envelope wraps HEC's event object, which the gateway let through at the parser's depth.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = JsonEventParser.MaxDepth + 1 };

    public static bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        JsonEventParser eventParser,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure)
    {
        normalized = null;
        var envelope = new Envelope();
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (!Read(ref reader, name, ref envelope, out failure))
                {
                    return false;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            failure = $"{ShipperEnvelope.Shipper}: the envelope is not readable at byte {reader.TokenStartIndex + 1}: {e.Message}";
            return false;
        }

        if (envelope.Format is null)
        {
            failure = $"{ShipperEnvelope.Shipper}: the envelope names no protocol; '{ShipperEnvelope.Hec}' or '{ShipperEnvelope.Otlp}' was expected.";
            return false;
        }

        if (envelope.EventEnd > 0)
        {
            if (!eventParser.TryParseObject(utf8[envelope.EventStart..envelope.EventEnd], context, out var parsed, out var innerFailure, timeGiven: envelope.Time is not null))
            {
                failure = $"{ShipperEnvelope.Shipper}: the event object: {innerFailure}";
                return false;
            }

            envelope.Inner = parsed;
        }

        var inner = envelope.Inner;
        var attributes = inner is null
            ? envelope.Attributes ?? new Dictionary<string, AttributeValue>(0, StringComparer.Ordinal)
            : Overlay(inner.Attributes, envelope.Attributes);
        var resource = inner is null
            ? envelope.Resource ?? EventFactory.NoResource
            : Overlay(inner.Resource, envelope.Resource);
        normalized = new NormalizedEvent(
            context.TenantId,
            context.EventId,
            context.IngestTime,
            envelope.Time ?? inner?.Timestamp,
            envelope.ObservedTime ?? context.IngestTime,
            envelope.SeverityNumber ?? inner?.SeverityNumber ?? Severity.Unspecified,
            envelope.SeverityNumber is null && envelope.SeverityText is null ? inner?.SeverityText : envelope.SeverityText,
            envelope.Body ?? inner?.Body ?? string.Empty,
            attributes,
            resource,
            envelope.Format.Value);
        failure = null;
        return true;
    }

    private static bool Read(
        ref Utf8JsonReader reader,
        string name,
        ref Envelope envelope,
        [NotNullWhen(false)] out string? failure)
    {
        failure = null;
        switch (name)
        {
            // Given again (a forged envelope), the later one is an attribute: the first, the prefix, names the protocol.
            case ShipperEnvelope.Shipper when envelope.Format is null:
                envelope.Format = reader.GetString() switch
                {
                    ShipperEnvelope.Hec => SourceFormat.Hec,
                    ShipperEnvelope.Otlp => SourceFormat.Otlp,
                    _ => null,
                };
                break;
            case ShipperEnvelope.Time:
                return TryTime(ref reader, name, out envelope.Time, out failure);
            case ShipperEnvelope.ObservedTime:
                return TryTime(ref reader, name, out envelope.ObservedTime, out failure);
            case ShipperEnvelope.SeverityNumber:
                envelope.SeverityNumber = reader.GetInt32() is var number and >= 1 and <= 24 ? number : Severity.Unspecified;
                break;
            case ShipperEnvelope.SeverityText:
                envelope.SeverityText = reader.GetString();
                break;
            case ShipperEnvelope.Body:
                envelope.Body = reader.GetString();
                break;
            case ShipperEnvelope.Event:
                // Read once the envelope's time is known, wherever it stands: that time wins over the event's.
                envelope.EventStart = (int)reader.TokenStartIndex;
                reader.Skip();
                envelope.EventEnd = (int)reader.BytesConsumed;
                break;
            case ShipperEnvelope.Resource when reader.TokenType == JsonTokenType.StartObject:
                envelope.Resource ??= new Dictionary<string, string>(8, StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    // The gateway writes strings here; another value (a forged envelope's) is kept as its text.
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        envelope.ResourceNames.Set(envelope.Resource, key, reader.TokenType == JsonTokenType.String ? reader.GetString()! : RawText(ref reader));
                    }
                }

                break;
            case ShipperEnvelope.Attributes when reader.TokenType == JsonTokenType.StartObject:
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    AddAttribute(ref reader, key, ref envelope);
                }

                break;
            default:
                // A field the envelope does not know (a later gateway's, or a forged envelope's), or a known one of another
                // shape: an attribute under its own name, so an older processor reads the rest and nothing is dropped.
                AddAttribute(ref reader, name, ref envelope);
                break;
        }

        return true;
    }

    /// <summary>The value at the reader as an attribute: a scalar as itself, an object or array as its JSON text; a null, as in a native event, is no value.</summary>
    private static void AddAttribute(ref Utf8JsonReader reader, string key, ref Envelope envelope)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        envelope.Attributes ??= new Dictionary<string, AttributeValue>(16, StringComparer.Ordinal);
        envelope.AttributeNames.Set(envelope.Attributes, key, reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString()!,
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.StartObject or JsonTokenType.StartArray => RawText(ref reader),
            _ when reader.TryGetInt64(out var integer) => integer,
            _ when reader.TryGetDouble(out var real) && double.IsFinite(real) => real,
            _ => RawText(ref reader),
        });
    }

    /// <summary>The JSON text of the value at the reader (an object or array skipped to its end).</summary>
    private static string RawText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return reader.TokenType == JsonTokenType.String ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
        }

        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    private static bool TryTime(ref Utf8JsonReader reader, string name, out DateTimeOffset? time, [NotNullWhen(false)] out string? failure)
    {
        failure = null;
        time = null;
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && Timestamps.TryParseRfc3339(reader.ValueSpan, out var parsed))
        {
            time = parsed;
            return true;
        }

        failure = $"{ShipperEnvelope.Shipper}: \"{name}\" is not an RFC 3339 time.";
        return false;
    }

    /// <summary>The event's names with the envelope's laid over them: the envelope's value has a name both give, the event's moves to <c>{name}#n</c>.</summary>
    private static Dictionary<string, TValue> Overlay<TValue>(IReadOnlyDictionary<string, TValue> under, Dictionary<string, TValue>? over)
    {
        var merged = new Dictionary<string, TValue>(under, StringComparer.Ordinal);
        if (over is not null)
        {
            var names = new RepeatedNames();
            foreach (var (key, value) in over)
            {
                names.Set(merged, key, value);
            }
        }

        return merged;
    }

    private struct Envelope
    {
        public SourceFormat? Format;
        public DateTimeOffset? Time;
        public DateTimeOffset? ObservedTime;
        public int? SeverityNumber;
        public string? SeverityText;
        public string? Body;
        public NormalizedEvent? Inner;
        public int EventStart;
        public int EventEnd;
        public Dictionary<string, string>? Resource;
        public Dictionary<string, AttributeValue>? Attributes;

        // Names given more than once in the envelope's resource and attributes.
        public RepeatedNames ResourceNames;
        public RepeatedNames AttributeNames;
    }
}
