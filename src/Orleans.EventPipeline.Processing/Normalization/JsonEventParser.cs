using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// One JSON object per event, read once with <see cref="Utf8JsonReader"/>. Nested objects are flattened
/// into dotted names (<c>{"user":{"id":7}}</c> → <c>user.id</c>); arrays are kept as their JSON text;
/// nulls are dropped. The <see cref="JsonFieldMapping"/> picks the timestamp, severity, body, host and
/// app fields; every other field becomes an attribute. A number beyond the range of a double
/// (<c>1e400</c>) is kept as its JSON text, a string attribute, rather than as infinity.
/// </summary>
public sealed class JsonEventParser(JsonFieldMapping mapping) : IEventParser
{
    /// <summary>
    /// Deepest nesting of objects and arrays read: deeper values are not log events, and the limit bounds
    /// the recursion. The gateway rejects deeper events with the same limit.
    /// </summary>
    public const int MaxDepth = 32;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Skip };

    private readonly JsonFieldMapping _mapping = mapping ?? throw new ArgumentNullException(nameof(mapping));
    private readonly PropertyNames _names = new();

    // Attributes of the last event parsed, up to MaxAttributeHint: the next event's dictionary starts that size,
    // not at a fixed 16 (its entries are 48 bytes each). A hint only: a race between threads sizes one dictionary
    // differently; the cap keeps one event with thousands of fields from sizing every event after it.
    private const int MaxAttributeHint = 64;
    private int _attributeCount = 8;

    public bool TryParse(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure) =>
        utf8.StartsWith(ShipperEnvelope.Prefix)
            ? ShipperEnvelopeParser.TryParse(utf8, context, this, out normalized, out failure)
            : TryParseObject(utf8, context, out normalized, out failure);

    /// <summary>
    /// Reads one native JSON event with this mapping (never as a <see cref="ShipperEnvelope"/>).
    /// <paramref name="timeGiven"/>: the envelope around the event carries its time (HEC's <c>time</c>), which wins;
    /// a timestamp field the event holds but that is not a time is then kept as an attribute, not a failure.
    /// </summary>
    internal bool TryParseObject(
        ReadOnlySpan<byte> utf8,
        in EventContext context,
        [NotNullWhen(true)] out NormalizedEvent? normalized,
        [NotNullWhen(false)] out string? failure,
        bool timeGiven = false)
    {
        normalized = null;
        var fields = new Fields { Attributes = new Dictionary<string, AttributeValue>(_attributeCount, StringComparer.Ordinal), TimeGiven = timeGiven };
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                failure = "JSON: the event is not a JSON object; send one {...} object per event.";
                return false;
            }

            if (!ReadObject(ref reader, utf8, null, ref fields, out failure))
            {
                return false;
            }

            if (reader.Read())
            {
                failure = "JSON: more than one value in the event; send exactly one object per event (one per line in NDJSON).";
                return false;
            }
        }
        catch (JsonException e)
        {
            failure = $"JSON: not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}";
            return false;
        }
        catch (InvalidOperationException e)
        {
            // The reader checks structure, not text: a string turns out to be invalid UTF-8, or an escaped
            // lone surrogate ("\ud800"), only when it is read. The gateway rejects both; this guards
            // events stored before it did.
            failure = $"JSON: the string at byte {reader.TokenStartIndex + 1} is not valid Unicode text: {e.Message}";
            return false;
        }

        _attributeCount = Math.Min(fields.Attributes.Count, MaxAttributeHint);
        normalized = EventFactory.Create(context, fields.Timestamp, fields.SeverityNumber, fields.SeverityText, fields.Body ?? string.Empty,
            fields.Attributes, EventFactory.Resource(fields.Host, fields.App), SourceFormat.Json);
        return true;
    }

    private bool ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, string? prefix, ref Fields fields, [NotNullWhen(false)] out string? failure)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = _names.Read(ref reader);
            if (prefix is not null && !fields.NameBudget.TryTake(prefix.Length + 1 + name.Length))
            {
                failure = "JSON: " + NameBudget.Exceeded(prefix);
                return false;
            }

            var path = prefix is null ? name : string.Concat(prefix, ".", name);
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    if (!ReadObject(ref reader, utf8, path, ref fields, out failure))
                    {
                        return false;
                    }

                    break;
                case JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    Set(ref fields, path, Encoding.UTF8.GetString(utf8[start..(int)reader.BytesConsumed]));
                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    if (!Assign(ref reader, path, ref fields, out failure))
                    {
                        return false;
                    }

                    break;
            }
        }

        failure = null;
        return true;
    }

    private bool Assign(ref Utf8JsonReader reader, string path, ref Fields fields, [NotNullWhen(false)] out string? failure)
    {
        failure = null;
        if (path == _mapping.Timestamp)
        {
            // A mapped field given twice keeps the earlier value too, as attributes do (Set): here under {path}#n.
            var earlier = fields.Timestamp;
            var read = TryTimestamp(ref reader, path, ref fields, out failure);
            if (read && earlier is { } time)
            {
                AddNumbered(ref fields, path, time.ToString("O", CultureInfo.InvariantCulture));
            }

            if (read || !fields.TimeGiven)
            {
                return failure is null;
            }

            // The envelope's time wins; the value that is not a time stays with the event as an attribute.
            failure = null;
        }
        else if (path == _mapping.Severity)
        {
            if (fields.SeveritySeen)
            {
                AddNumbered(ref fields, path, fields.SeverityText is { } text ? text : (long)fields.SeverityNumber);
            }

            fields.SeveritySeen = true;
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
            {
                // In range, the number is the severity itself; outside it (99, -1) it is kept as written, as a level name is.
                fields.SeverityNumber = number is >= 1 and <= 24 ? number : Severity.Unspecified;
                fields.SeverityText = number is >= 1 and <= 24 ? null : ScalarText(ref reader);
            }
            else
            {
                // Level names are short ASCII words: an escaped or non-string level maps to Unspecified.
                fields.SeverityNumber = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence
                    ? Severity.FromText(reader.ValueSpan)
                    : Severity.Unspecified;
                fields.SeverityText = ScalarText(ref reader);
            }

            return true;
        }

        if (path == _mapping.Body) { fields.Body = Replacing(ref fields, path, fields.Body, ScalarText(ref reader)); return true; }
        if (path == _mapping.Host) { fields.Host = Replacing(ref fields, path, fields.Host, ScalarText(ref reader)); return true; }
        if (path == _mapping.App) { fields.App = Replacing(ref fields, path, fields.App, ScalarText(ref reader)); return true; }

        Set(ref fields, path, reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString()!,
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ when reader.TryGetInt64(out var integer) => integer,
            _ when reader.TryGetDouble(out var real) && double.IsFinite(real) => real,
            _ => ScalarText(ref reader),
        });
        return true;
    }

    /// <summary>The value at <paramref name="path"/>; one already there (a name given twice, or <c>"a.b"</c> beside <c>"a":{"b"}</c>) is kept (<see cref="RepeatedNames"/>).</summary>
    private static void Set(ref Fields fields, string path, AttributeValue value) => fields.Names.Set(fields.Attributes, path, value);

    /// <summary><paramref name="value"/>, keeping <paramref name="earlier"/> (a mapped field given before) under <c>{path}#n</c>.</summary>
    private static string Replacing(ref Fields fields, string path, string? earlier, string value)
    {
        if (earlier is not null)
        {
            AddNumbered(ref fields, path, earlier);
        }

        return value;
    }

    private static void AddNumbered(ref Fields fields, string path, AttributeValue value) => fields.Names.AddNumbered(fields.Attributes, path, value);

    private static bool TryTimestamp(ref Utf8JsonReader reader, string path, ref Fields fields, [NotNullWhen(false)] out string? failure)
    {
        failure = null;
        DateTimeOffset time;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetDouble(out var number) && Timestamps.TryFromUnix(number, out time))
            {
                fields.Timestamp = time;
                return true;
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            var parsed = false;
            if (!reader.ValueIsEscaped && !reader.HasValueSequence)
            {
                parsed = Timestamps.TryParseAny(reader.ValueSpan, out time);
            }
            else
            {
                var text = Encoding.UTF8.GetBytes(reader.GetString()!);
                parsed = Timestamps.TryParseAny(text, out time);
            }

            if (parsed)
            {
                fields.Timestamp = time;
                return true;
            }
        }

        failure = $"JSON: the timestamp field \"{path}\" holds {ScalarText(ref reader)}, which is neither RFC 3339 text (2024-05-01T12:00:00Z) nor unix seconds or milliseconds; fix the value or map Json.Timestamp to another field.";
        return false;
    }

    private static string ScalarText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
    };

    private struct Fields
    {
        public Dictionary<string, AttributeValue> Attributes;
        public DateTimeOffset? Timestamp;
        public bool TimeGiven;
        public int SeverityNumber;
        public string? SeverityText;
        public string? Body;
        public string? Host;
        public string? App;
        public bool SeveritySeen;

        // Names given more than once (Set).
        public RepeatedNames Names;

        // The dotted names built under an object's name (ReadObject).
        public NameBudget NameBudget;
    }
}
