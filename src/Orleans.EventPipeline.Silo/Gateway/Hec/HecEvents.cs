using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Memory;

namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>
/// Turns an HEC body into framed <see cref="ShipperEnvelope"/>s: the event endpoint's JSON objects, one after
/// another with or without whitespace between them, or the raw endpoint's lines. An event that is wrong on
/// its own (no <c>event</c>, a blank one, a bad <c>time</c>, nested <c>fields</c>) is rejected alone by index
/// with its HEC code, like an invalid line of <c>/v1/events</c>; only a body that is not JSON at all fails whole.
/// </summary>
public sealed class HecEvents : IDisposable
{
    private readonly ShipperEnvelopeWriter _envelope = new();
    private readonly List<HecCode> _rejectedCodes = [];

    private HecEvents(FramedEvents framed) => Framed = framed;

    public FramedEvents Framed { get; }

    /// <summary>The HEC code of each rejected event, in the order of <see cref="FramedEvents.Rejected"/>.</summary>
    public IReadOnlyList<HecCode> RejectedCodes => _rejectedCodes;

    /// <summary>
    /// The event endpoint's body; throws <see cref="HecBodyException"/> when it is not a sequence of JSON objects, and
    /// the 413 when the envelopes take more than <paramref name="maxBuiltBytes"/> together (<see cref="FramedEvents"/>).
    /// </summary>
    public static HecEvents FromEvents(ReadOnlySpan<byte> body, int maxEventBytes, long maxBuiltBytes, RequestMemoryLease lease)
    {
        var events = new HecEvents(new FramedEvents(Streams.EventKind.Json, body.Length, maxEventBytes, lease, maxBuiltBytes, maxRejectedBytes: maxBuiltBytes));
        try
        {
            events.ReadEvents(EventFramer.WithoutByteOrderMark(body));
            return events;
        }
        catch
        {
            events.Dispose();
            events.Framed.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The raw endpoint's body: each non-blank line one event, with the query's metadata. Each line's envelope repeats
    /// the metadata, so the envelopes may take more than <paramref name="maxBuiltBytes"/> together: then the 413.
    /// </summary>
    public static HecEvents FromRaw(ReadOnlySpan<byte> body, HecMetadata metadata, int maxEventBytes, long maxBuiltBytes, RequestMemoryLease lease)
    {
        var events = new HecEvents(new FramedEvents(Streams.EventKind.Json, body.Length, maxEventBytes, lease, maxBuiltBytes, maxRejectedBytes: maxBuiltBytes));
        try
        {
            events.ReadRaw(EventFramer.WithoutByteOrderMark(body), metadata);
            return events;
        }
        catch
        {
            events.Dispose();
            events.Framed.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Frees the envelope writer only: <see cref="Framed"/> is the caller's, given to the ingest grain and freed
    /// once it answered (<see cref="Shippers.ShipperIngest.SubmitAsync"/>), or freed by the caller when it never got there.
    /// </summary>
    public void Dispose() => _envelope.Dispose();

    private void ReadEvents(ReadOnlySpan<byte> body)
    {
        var checkUtf8 = !Utf8.IsValid(body);
        // No depth limit here: an event nested too deep is rejected alone (EventFramer.CheckJsonObject), not the body.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = int.MaxValue });
        var index = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new HecBodyException(HecCode.InvalidDataFormat, index, $"Event {index} is a JSON {EventFramer.Describe(reader.TokenType)}, not an object; send {{\"event\":…}} objects one after another.");
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                Add(body[start..(int)reader.BytesConsumed], checkUtf8);
                index++;
            }
        }
        catch (JsonException exception)
        {
            throw new HecBodyException(HecCode.InvalidDataFormat, index, $"The body is not readable JSON at event {index} (byte {reader.BytesConsumed}): {exception.Message} Nothing was stored.");
        }

        if (index == 0)
        {
            throw new HecBodyException(HecCode.NoData, null, "The body holds no events.");
        }
    }

    private void Add(ReadOnlySpan<byte> eventObject, bool checkUtf8)
    {
        if (!Framed.Fits(eventObject.Length))
        {
            // Nothing is built for an event over the limit as sent: its envelope would be thrown away.
            RejectOversize(eventObject);
            return;
        }

        if (((checkUtf8 ? EventFramer.Utf8Problem(eventObject) : null) ?? EventFramer.CheckJsonObject(eventObject)) is { } problem)
        {
            Reject(eventObject, HecCode.InvalidDataFormat, problem);
            return;
        }

        var json = _envelope.Begin(SourceFormat.Hec);
        var (code, reason) = WriteEvent(eventObject, json);
        if (code != HecCode.Success)
        {
            Reject(eventObject, code, reason!);
            return;
        }

        Accept(eventObject.Length);
    }

    /// <summary>Writes the envelope's members from one HEC event object; the first problem, if any, with its code.</summary>
    private static (HecCode Code, string? Reason) WriteEvent(ReadOnlySpan<byte> eventObject, Utf8JsonWriter json)
    {
        var reader = new Utf8JsonReader(eventObject);
        reader.Read();
        var sawEvent = false;
        var resource = new HecMetadata();
        DateTimeOffset? time = null;
        ReadOnlySpan<byte> fields = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Field(ref reader);
            reader.Read();
            switch (name)
            {
                case HecField.Event:
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        break;
                    }

                    sawEvent = true;
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        var text = reader.GetString()!;
                        if (string.IsNullOrWhiteSpace(text))
                        {
                            return (HecCode.EventFieldBlank, "the \"event\" field is blank; send the event's text or object");
                        }

                        json.WriteString(ShipperEnvelope.Body, text);
                    }
                    else if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        json.WritePropertyName(ShipperEnvelope.Event);
                        json.WriteRawValue(eventObject[start..(int)reader.BytesConsumed], skipInputValidation: true);
                    }
                    else
                    {
                        // A number, boolean or array is kept as its JSON text.
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        json.WriteString(ShipperEnvelope.Body, eventObject[start..(int)reader.BytesConsumed]);
                    }

                    break;
                case HecField.Time:
                    if (!TryTime(ref reader, out time))
                    {
                        return (HecCode.InvalidDataFormat, "\"time\" is not epoch seconds (a number such as 1700000000.123, or such a number as a string)");
                    }

                    break;
                case HecField.Host:
                    if (IsContainer(reader.TokenType))
                    {
                        return NotText("host", reader.TokenType);
                    }

                    resource.Host = Text(ref reader);
                    break;
                case HecField.Source:
                    if (IsContainer(reader.TokenType))
                    {
                        return NotText("source", reader.TokenType);
                    }

                    resource.Source = Text(ref reader);
                    break;
                case HecField.SourceType:
                    if (IsContainer(reader.TokenType))
                    {
                        return NotText("sourcetype", reader.TokenType);
                    }

                    resource.SourceType = Text(ref reader);
                    break;
                case HecField.Index:
                    if (IsContainer(reader.TokenType))
                    {
                        return NotText("index", reader.TokenType);
                    }

                    resource.Index = Text(ref reader);
                    break;
                case HecField.Fields:
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        break;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return (HecCode.IndexedFieldsError, "\"fields\" is not an object of names and values");
                    }

                    var fieldsStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    fields = eventObject[fieldsStart..(int)reader.BytesConsumed];
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (!sawEvent)
        {
            return (HecCode.EventFieldRequired, "the object has no \"event\" field; put the event's text or object in \"event\"");
        }

        if (time is { } at)
        {
            ShipperEnvelope.WriteTime(json, ShipperEnvelope.Time, at);
        }

        resource.Write(json);
        return fields.IsEmpty ? (HecCode.Success, null) : WriteFields(fields, json);
    }

    /// <summary>HEC's indexed fields: flat names with a string, number or boolean, or an array of them (kept as its JSON text).</summary>
    private static (HecCode Code, string? Reason) WriteFields(ReadOnlySpan<byte> fields, Utf8JsonWriter json)
    {
        var reader = new Utf8JsonReader(fields);
        reader.Read();
        json.WriteStartObject(ShipperEnvelope.Attributes);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    json.WriteString(name, reader.GetString());
                    break;
                case JsonTokenType.Number:
                    json.WritePropertyName(name);
                    json.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True or JsonTokenType.False:
                    json.WriteBoolean(name, reader.TokenType == JsonTokenType.True);
                    break;
                case JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    json.WriteString(name, fields[start..(int)reader.BytesConsumed]);
                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    return (HecCode.IndexedFieldsError, $"the indexed field \"{name}\" is an object; \"fields\" takes flat names with a string or an array of strings");
            }
        }

        json.WriteEndObject();
        return (HecCode.Success, null);
    }

    private void ReadRaw(ReadOnlySpan<byte> body, HecMetadata metadata)
    {
        var checkUtf8 = !Utf8.IsValid(body);
        while (EventFramer.TryNextLine(ref body, out var line))
        {
            if (!Framed.Fits(line.Length))
            {
                RejectOversize(line);
                continue;
            }

            if ((checkUtf8 ? EventFramer.Utf8Problem(line) : null) is { } problem)
            {
                Reject(line, HecCode.InvalidDataFormat, problem);
                continue;
            }

            var json = _envelope.Begin(SourceFormat.Hec);
            json.WriteString(ShipperEnvelope.Body, line);
            metadata.Write(json);
            Accept(line.Length);
        }

        if (Framed.Total == 0)
        {
            throw new HecBodyException(HecCode.NoData, null, "The body holds no lines.");
        }
    }

    /// <summary>
    /// Keeps the envelope just written for an event the client sent as <paramref name="sentBytes"/> (its object, or
    /// its raw line): one over the event size limit, measured on those bytes, is rejected alone, its first bytes kept.
    /// </summary>
    private void Accept(int sentBytes)
    {
        var rejected = Framed.Rejected.Count;
        Framed.Accept(_envelope.End(), sentBytes);
        if (Framed.Rejected.Count > rejected)
        {
            _rejectedCodes.Add(HecCode.InvalidDataFormat);
        }
    }

    /// <summary>An event over the size limit as sent, rejected before its envelope is built; its first bytes are kept.</summary>
    private void RejectOversize(ReadOnlySpan<byte> original)
    {
        _rejectedCodes.Add(HecCode.InvalidDataFormat);
        Framed.RejectOversizeAsSent(original, original.Length);
    }

    private void Reject(ReadOnlySpan<byte> original, HecCode code, string reason)
    {
        _rejectedCodes.Add(code);
        Framed.Reject(original, reason);
    }

    /// <summary>Which member of an HEC event the reader is on, compared on the raw bytes: no string per member.</summary>
    private static HecField Field(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("event"u8) ? HecField.Event
        : reader.ValueTextEquals("time"u8) ? HecField.Time
        : reader.ValueTextEquals("host"u8) ? HecField.Host
        : reader.ValueTextEquals("source"u8) ? HecField.Source
        : reader.ValueTextEquals("sourcetype"u8) ? HecField.SourceType
        : reader.ValueTextEquals("index"u8) ? HecField.Index
        : reader.ValueTextEquals("fields"u8) ? HecField.Fields
        : HecField.Other;

    private static bool IsContainer(JsonTokenType type) => type is JsonTokenType.StartObject or JsonTokenType.StartArray;

    /// <summary>An object or array where HEC has text: refused, as the event's members after it would be read wrong.</summary>
    private static (HecCode, string) NotText(string member, JsonTokenType type) =>
        (HecCode.InvalidDataFormat, $"\"{member}\" is a JSON {(type == JsonTokenType.StartObject ? "object" : "array")}; send it as text");

    private static string? Text(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
    };

    /// <summary>HEC's <c>time</c>: epoch seconds with an optional fraction, as a number or a string; read exactly (decimal), not through a double.</summary>
    private static bool TryTime(ref Utf8JsonReader reader, out DateTimeOffset? time)
    {
        time = null;
        decimal seconds;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetDecimal(out seconds))
            {
                return false;
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            // The string is read as the number would be, exponent included ("1.7e9"), as Splunk takes it; digits are
            // never escaped, so an escaped string is not a time.
            if (reader.ValueIsEscaped
                || !decimal.TryParse(reader.ValueSpan, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out seconds))
            {
                return false;
            }
        }
        else
        {
            return reader.TokenType == JsonTokenType.Null;
        }

        // 0001-01-01 to 9999-12-31 UTC, what a DateTimeOffset holds.
        if (seconds is < -62_135_596_800m or >= 253_402_300_800m)
        {
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }
}
