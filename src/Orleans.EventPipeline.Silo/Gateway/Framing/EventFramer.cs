using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway.Framing;

/// <summary>
/// Splits a body into events by its media type and checks each once. An event that is wrong on its
/// own is rejected by index (many shippers retry a 400 forever); only a body whose framing cannot be
/// read at all fails the request.
/// </summary>
public static class EventFramer
{
    /// <summary>The framing for a Content-Type, or null when the type is not supported.</summary>
    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    public static BodyFraming? FramingFor(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var parts = contentType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            // Only separators, e.g. "Content-Type: ;": no media type at all.
            return null;
        }

        foreach (var parameter in parts.Skip(1))
        {
            // The whole value, quoted or not: "notutf-8" only ends like UTF-8. "utf8" is the same charset's other name.
            if (parameter.StartsWith("charset=", StringComparison.OrdinalIgnoreCase) &&
                parameter["charset=".Length..].Trim('"') is var charset &&
                !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) &&
                !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        return parts[0].ToLowerInvariant() switch
        {
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/json-lines" => BodyFraming.Ndjson,
            "application/json" => BodyFraming.JsonArray,
            "text/plain" => BodyFraming.TextLines,
            _ => null,
        };
    }

    /// <summary>
    /// Splits <paramref name="body"/> into events and checks each: within <paramref name="maxEventBytes"/>,
    /// valid UTF-8, and for JSON one object nested at most <see cref="JsonEventParser.MaxDepth"/> deep
    /// whose strings are valid Unicode (no lone surrogate escape). What fails is rejected by index with
    /// the reason; processing can then read every event accepted.
    /// </summary>
    /// <param name="lease">The request's share of the in-flight memory budget the frames are charged to.</param>
    /// <param name="maxRejectedBytes">The most its rejected events may hold with their reasons (<see cref="FramedEvents"/>).</param>
    public static FramedEvents Frame(BodyFraming framing, ReadOnlySpan<byte> body, int maxEventBytes, RequestMemoryLease? lease = null, long maxRejectedBytes = long.MaxValue)
    {
        var kind = framing == BodyFraming.TextLines ? EventKind.Text : EventKind.Json;
        var events = new FramedEvents(kind, body.Length, maxEventBytes, lease, maxRejectedBytes: maxRejectedBytes);

        body = WithoutByteOrderMark(body);

        // One vectorized pass over the body; only a body that fails it is checked again event by event.
        var checkUtf8 = !Utf8.IsValid(body);
        try
        {
            switch (framing)
            {
                case BodyFraming.Ndjson:
                    FrameLines(body, events, checkUtf8, json: true);
                    break;
                case BodyFraming.TextLines:
                    FrameLines(body, events, checkUtf8, json: false);
                    break;
                default:
                    FrameJsonArray(body, events, checkUtf8);
                    break;
            }

            return events;
        }
        catch
        {
            events.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="body"/> without a leading UTF-8 byte-order mark: encoding metadata that Windows tools
    /// write before UTF-8 text, not a part of the first event (JSON forbids it, RFC 8259 §8.1, but asks
    /// readers to ignore it). Every front that reads a text body starts with this.
    /// </summary>
    internal static ReadOnlySpan<byte> WithoutByteOrderMark(ReadOnlySpan<byte> body) =>
        body.StartsWith(Utf8ByteOrderMark) ? body[Utf8ByteOrderMark.Length..] : body;

    /// <summary>
    /// The next line of <paramref name="body"/> that is not blank, without its <c>\n</c> or <c>\r\n</c>;
    /// false once only blank lines are left. Every line-oriented front frames its body with this.
    /// </summary>
    internal static bool TryNextLine(ref ReadOnlySpan<byte> body, out ReadOnlySpan<byte> line)
    {
        while (!body.IsEmpty)
        {
            var end = body.IndexOf((byte)'\n');
            line = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (!line.Trim(" \t"u8).IsEmpty)
            {
                return true;
            }
        }

        line = default;
        return false;
    }

    private static void FrameLines(ReadOnlySpan<byte> body, FramedEvents events, bool checkUtf8, bool json)
    {
        while (TryNextLine(ref body, out var line))
        {

            if (!events.Fits(line.Length))
            {
                events.RejectOversize(line);
                continue;
            }

            var problem = (checkUtf8 ? Utf8Problem(line) : null) ?? (json ? CheckJsonObject(line) : null);
            if (problem is null)
            {
                events.Accept(line);
            }
            else
            {
                events.Reject(line, problem);
            }
        }
    }

    /// <summary>Null for one JSON object the JSON parser can read (<see cref="Walk"/>), else the reason.</summary>
    internal static string? CheckJsonObject(ReadOnlySpan<byte> line)
    {
        // One level more than the parser reads, so Walk names a too-deep line before the reader throws.
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = JsonEventParser.MaxDepth + 1 });
        try
        {
            if (!reader.Read())
            {
                return "the line holds no JSON value";
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return $"the line is a JSON {Describe(reader.TokenType)}, not an object";
            }

            return Walk(ref reader, 0, readToEnd: false)
                ?? (reader.Read() ? "the line has data after its JSON object" : null);
        }
        catch (JsonException exception)
        {
            return $"the line is not valid JSON: {exception.Message}";
        }
    }

    private static void FrameJsonArray(ReadOnlySpan<byte> body, FramedEvents events, bool checkUtf8)
    {
        // No depth limit while reading: an element nested too deep is rejected alone (Walk), not the body.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = int.MaxValue });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw IngestProblemException.BadFraming("An application/json body must be a JSON array of event objects.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                var token = reader.TokenType;
                string? problem = null;
                if (token == JsonTokenType.StartObject)
                {
                    problem = Walk(ref reader, start, readToEnd: true);
                }
                else
                {
                    reader.Skip();
                }

                var element = body[start..((int)reader.BytesConsumed)];
                if (!events.Fits(element.Length))
                {
                    events.RejectOversize(element);
                }
                else if (token != JsonTokenType.StartObject)
                {
                    events.Reject(element, $"the element is a JSON {Describe(token)}, not an object");
                }
                else if (((checkUtf8 ? Utf8Problem(element) : null) ?? problem) is { } reason)
                {
                    events.Reject(element, reason);
                }
                else
                {
                    events.Accept(element);
                }
            }

            if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
            {
                throw IngestProblemException.BadFraming("The JSON array is not closed, or data follows it.");
            }
        }
        catch (JsonException exception)
        {
            throw IngestProblemException.BadFraming(
                $"The body is not a readable JSON array at byte {reader.BytesConsumed}: {exception.Message} Events before that point were not stored; fix the array or send NDJSON, where one bad line does not affect the others.");
        }
    }

    /// <summary>
    /// Reads the object the reader is on through its closing brace and returns the first thing in it the
    /// parser cannot read: nesting deeper than <see cref="JsonEventParser.MaxDepth"/>, or a string with a
    /// lone surrogate escape (<c>"\ud800"</c> is not Unicode text: no UTF-8 or UTF-16 string can hold it).
    /// Without <paramref name="readToEnd"/> it stops at that problem. Offsets count from <paramref name="eventStart"/>.
    /// </summary>
    private static string? Walk(ref Utf8JsonReader reader, long eventStart, bool readToEnd)
    {
        var depth = reader.CurrentDepth;
        string? problem = null;
        while (reader.Read())
        {
            var token = reader.TokenType;
            if (reader.CurrentDepth == depth && token is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return problem;
            }

            if (problem is not null)
            {
                continue;
            }

            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth - depth >= JsonEventParser.MaxDepth)
            {
                problem = $"the event nests objects and arrays more than {JsonEventParser.MaxDepth} deep (at byte offset {reader.TokenStartIndex - eventStart}); flatten it";
            }
            else if (token is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && LoneSurrogateEscape(reader.ValueSpan) is var at and >= 0)
            {
                // TokenStartIndex is the opening quote.
                problem = $"the event has a lone UTF-16 surrogate escape at byte offset {reader.TokenStartIndex - eventStart + 1 + at}; \\uD800-\\uDFFF are valid only as a high-low pair";
            }

            if (problem is not null && !readToEnd)
            {
                return problem;
            }
        }

        return problem;
    }

    /// <summary>
    /// Where in an escaped JSON string's raw bytes a <c>\uXXXX</c> escape is half a surrogate pair, else -1.
    /// The reader has already checked that every escape is well formed.
    /// </summary>
    private static int LoneSurrogateEscape(ReadOnlySpan<byte> raw)
    {
        var i = 0;
        while (true)
        {
            var next = raw[i..].IndexOf((byte)'\\');
            if (next < 0)
            {
                return -1;
            }

            i += next;
            if (raw[i + 1] != (byte)'u')
            {
                i += 2;
                continue;
            }

            var unit = Hex4(raw.Slice(i + 2, 4));
            if (char.IsLowSurrogate(unit))
            {
                return i;
            }

            if (char.IsHighSurrogate(unit))
            {
                if (raw.Length < i + 12 || raw[i + 6] != (byte)'\\' || raw[i + 7] != (byte)'u' || !char.IsLowSurrogate(Hex4(raw.Slice(i + 8, 4))))
                {
                    return i;
                }

                i += 12;
                continue;
            }

            i += 6;
        }
    }

    private static char Hex4(ReadOnlySpan<byte> digits) =>
        (char)ushort.Parse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>Null for valid UTF-8, else the reason naming the first bad byte's offset.</summary>
    internal static string? Utf8Problem(ReadOnlySpan<byte> eventBytes)
    {
        if (Utf8.IsValid(eventBytes))
        {
            return null;
        }

        var at = Math.Max(0, eventBytes.IndexOfAnyExceptInRange((byte)0, (byte)0x7F));
        while (Rune.DecodeFromUtf8(eventBytes[at..], out _, out var consumed) == OperationStatus.Done)
        {
            at += consumed;
        }

        return $"the event is not valid UTF-8: the byte 0x{eventBytes[at]:X2} at byte offset {at} does not begin or continue a UTF-8 character; send UTF-8 text";
    }

    /// <summary>A JSON token's kind in a message: "array", "string", "number" (HEC's and this framing's own).</summary>
    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString().ToLowerInvariant(),
    };
}

/// <summary>How a body is split into events.</summary>
public enum BodyFraming
{
    Ndjson,
    JsonArray,
    TextLines,
}
