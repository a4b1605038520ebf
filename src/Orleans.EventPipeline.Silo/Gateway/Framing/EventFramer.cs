using System.Text;
using System.Text.Json;
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
    public static BodyFraming? FramingFor(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var parts = contentType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var parameter in parts.Skip(1))
        {
            if (parameter.StartsWith("charset=", StringComparison.OrdinalIgnoreCase) &&
                !parameter.EndsWith("utf-8", StringComparison.OrdinalIgnoreCase) &&
                !parameter.EndsWith("\"utf-8\"", StringComparison.OrdinalIgnoreCase))
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

    public static FramedEvents Frame(BodyFraming framing, ReadOnlySpan<byte> body, int maxEventBytes)
    {
        var kind = framing == BodyFraming.TextLines ? EventKind.Text : EventKind.Json;
        var events = new FramedEvents(kind, body.Length, maxEventBytes);
        try
        {
            switch (framing)
            {
                case BodyFraming.Ndjson:
                    FrameLines(body, events, static line => CheckJsonObject(line));
                    break;
                case BodyFraming.TextLines:
                    FrameLines(body, events, static line => System.Text.Unicode.Utf8.IsValid(line) ? null : "the line is not valid UTF-8");
                    break;
                default:
                    FrameJsonArray(body, events);
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

    private delegate string? LineCheck(ReadOnlySpan<byte> line);

    private static void FrameLines(ReadOnlySpan<byte> body, FramedEvents events, LineCheck check)
    {
        while (!body.IsEmpty)
        {
            var end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            var problem = check(line);
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

    private static string? CheckJsonObject(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
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

            reader.Skip();
            return reader.Read() ? "the line has data after its JSON object" : null;
        }
        catch (JsonException exception)
        {
            return $"the line is not valid JSON: {exception.Message}";
        }
    }

    private static void FrameJsonArray(ReadOnlySpan<byte> body, FramedEvents events)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
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
                reader.Skip();
                var element = body[start..((int)reader.BytesConsumed)];
                if (token == JsonTokenType.StartObject)
                {
                    events.Accept(element);
                }
                else
                {
                    events.Reject(element, $"the element is a JSON {Describe(token)}, not an object");
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

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
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
