using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// Reads a <see cref="ShipperEnvelope"/>. An <c>event</c> object in it is read first, with the tenant's JSON
/// field mapping like a native event; then the envelope's own fields are laid over it: its time, severity
/// and body replace the mapped ones, its resource and attribute names replace the same names. The
/// protocol's fields are explicit metadata, so they win over whatever the payload happened to hold.
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
            case ShipperEnvelope.Shipper:
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
            case ShipperEnvelope.Resource:
                envelope.Resource = new Dictionary<string, string>(8, StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        envelope.Resource[key] = reader.GetString()!;
                    }
                    else
                    {
                        // The gateway writes only strings here; anything else is from a forged envelope and is left out.
                        reader.Skip();
                    }
                }

                break;
            case ShipperEnvelope.Attributes:
                envelope.Attributes = new Dictionary<string, AttributeValue>(16, StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.Null)
                    {
                        // The gateway writes only scalars here; anything else is from a forged envelope and is left out.
                        reader.Skip();
                        continue;
                    }

                    envelope.Attributes[key] = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString()!,
                        JsonTokenType.True => true,
                        JsonTokenType.False => false,
                        _ when reader.TryGetInt64(out var integer) => integer,
                        _ when reader.TryGetDouble(out var real) && double.IsFinite(real) => real,
                        _ => Encoding.UTF8.GetString(reader.ValueSpan),
                    };
                }

                break;
            default:
                // A field a later gateway writes: skipped, so an older processor still reads the rest.
                reader.Skip();
                break;
        }

        return true;
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

    private static Dictionary<TKey, TValue> Overlay<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> under, Dictionary<TKey, TValue>? over)
        where TKey : notnull
    {
        var merged = new Dictionary<TKey, TValue>(under.Count + (over?.Count ?? 0), (under as Dictionary<TKey, TValue>)?.Comparer);
        foreach (var (key, value) in under)
        {
            merged[key] = value;
        }

        if (over is not null)
        {
            foreach (var (key, value) in over)
            {
                merged[key] = value;
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
    }
}
