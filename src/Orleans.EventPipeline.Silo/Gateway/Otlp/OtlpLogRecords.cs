using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// Turns an OTLP <see cref="ExportLogsServiceRequest"/> into framed <see cref="ShipperEnvelope"/>s, one per log
/// record in request order (resource, then scope, then record): resource attributes, scope, severity, body,
/// attributes, trace and span ids and both times kept with each record (docs/EVENT-SCHEMA.md). A record that
/// cannot be kept (over the event size limit as sent, an id of the wrong length) is rejected alone, by index.
/// </summary>
public sealed class OtlpLogRecords : IDisposable
{
    /// <summary>Attribute names of the fields OTLP carries beside the attributes, as OpenTelemetry names them outside OTLP.</summary>
    public const string TraceIdName = "trace_id";
    public const string SpanIdName = "span_id";
    public const string TraceFlagsName = "trace_flags";
    public const string EventNameName = "event_name";
    public const string ScopeNameName = "otel.scope.name";
    public const string ScopeVersionName = "otel.scope.version";

    /// <summary>Prefix of the scope's own attributes, so they never take the name of a record's.</summary>
    public const string ScopeAttributePrefix = "otel.scope.";

    /// <summary>How many rejected records <c>partial_success.error_message</c> names before it only counts.</summary>
    private const int NamedRejections = 10;

    private static readonly JsonWriterOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ShipperEnvelopeWriter _envelope = new();
    private readonly ArrayBufferWriter<byte> _textBuffer = new(256);
    private readonly Utf8JsonWriter _text;

    /// <summary>The attribute name being written; a key-value list's entries extend it in place (<see cref="WriteFlat"/>).</summary>
    private char[] _name = new char[256];

    /// <summary>Bytes the record's envelope may reach before it stops growing (<see cref="Room"/>).</summary>
    private long _recordCap;

    /// <summary>The record's envelope has stopped growing: it is rejected, unfinished.</summary>
    private bool _full;

    /// <summary>
    /// Chars of attribute names the record's envelope has put in the name buffer, each with one for its separator:
    /// building costs them whether or not a value is written after them (an empty one is not), so they count toward
    /// the record's cap (<see cref="Room"/>) and the request's (<see cref="FramedEvents.Build"/>). A resource or scope
    /// of many names with empty values is otherwise rebuilt for nothing on each of its records.
    /// </summary>
    private long _names;

    /// <summary>
    /// Bytes of JSON text built for the current record's arrays and lists and thrown away as too long for its envelope,
    /// counted toward the request's bound with <see cref="_names"/>: a scope attribute just over the envelope's cap was
    /// built again, about 990 KB, for each of the scope's records, which cost 2 bytes each on the wire; 2,000 of them
    /// took 43 s of the silo's CPU, and a 10 MB request would have taken hours (helper-113).
    /// </summary>
    private long _discarded;

    private OtlpLogRecords(FramedEvents framed)
    {
        Framed = framed;
        _text = new Utf8JsonWriter(_textBuffer, TextOptions);
    }

    public FramedEvents Framed { get; }

    /// <summary>
    /// Frames every record of <paramref name="request"/>; <paramref name="requestBytes"/> sizes the frame buffer, and
    /// <paramref name="maxBuiltBytes"/> bounds what the records' envelopes take together (<see cref="FramedEvents"/>).
    /// <paramref name="json"/>, for an OTLP/JSON export, names the records its reader refused and what the client
    /// sent for each; else a record's size as sent is its protobuf size.
    /// </summary>
    public static OtlpLogRecords From(ExportLogsServiceRequest request, OtlpJsonRequest? json, int requestBytes, int maxEventBytes, long maxBuiltBytes, RequestMemoryLease lease)
    {
        ArgumentNullException.ThrowIfNull(request);
        var records = new OtlpLogRecords(new FramedEvents(Streams.EventKind.Json, requestBytes, maxEventBytes, lease, maxBuiltBytes, maxRejectedBytes: maxBuiltBytes));
        try
        {
            var index = 0;
            foreach (var resourceLogs in request.ResourceLogs)
            {
                foreach (var scopeLogs in resourceLogs.ScopeLogs)
                {
                    foreach (var record in scopeLogs.LogRecords)
                    {
                        try
                        {
                            if (json is not null && json.Rejected.TryGetValue(index, out var refused))
                            {
                                records.Framed.Reject(refused.Json, refused.Reason);
                            }
                            else
                            {
                                records.Add(resourceLogs.Resource, scopeLogs.Scope, record, json is null ? record.CalculateSize() : json.SentBytes[index]);
                            }
                        }
                        catch (ArgumentException exception)
                        {
                            // A string with half a surrogate pair (possible from JSON's \ud800 escape) has no UTF-8 form.
                            // What was built for the record before it counts, as for any record (its resource's names).
                            records.Framed.Build(records._names + records._discarded + Written(records._envelope.Json));
                            records.Framed.Reject(record.ToByteArray(), $"the record holds text that is not valid Unicode: {exception.Message}");
                        }

                        index++;
                    }
                }
            }

            return records;
        }
        catch
        {
            records.Dispose();
            records.Framed.Dispose();
            throw;
        }
    }

    /// <summary>The OTLP answer: unset <c>partial_success</c> when every record was accepted, else the count and which.</summary>
    public static ExportLogsServiceResponse Response(IReadOnlyList<Ingest.RejectedEvent> rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var response = new ExportLogsServiceResponse();
        if (rejected.Count > 0)
        {
            var named = string.Join("; ", rejected.Take(NamedRejections).Select(static r => $"record {r.Index}: {r.Reason}"));
            response.PartialSuccess = new ExportLogsPartialSuccess
            {
                RejectedLogRecords = rejected.Count,
                ErrorMessage = rejected.Count > NamedRejections ? $"{named}; and {rejected.Count - NamedRejections} more" : named,
            };
        }

        return response;
    }

    /// <summary>Frees the writers only: <see cref="Framed"/> goes to the ingest grain (see <see cref="Hec.HecEvents.Dispose"/>).</summary>
    public void Dispose()
    {
        _envelope.Dispose();
        _text.Dispose();
    }

    /// <summary>Frames one record, of which the client sent <paramref name="sentBytes"/> (the size limit applies to those).</summary>
    private void Add(Proto.Resource? resource, InstrumentationScope? scope, LogRecord record, int sentBytes)
    {
        if (IdProblem(record) is { } problem)
        {
            Framed.Reject(record.ToByteArray(), problem);
            return;
        }

        // A record over the limit as sent keeps only its envelope's first bytes: building more would be thrown away.
        _recordCap = Framed.Fits(sentBytes) ? FramedEvents.MaxStoredEventBytes : FramedEvents.OversizeKeptBytes;
        _full = false;
        _names = 0;
        _discarded = 0;
        var json = _envelope.Begin(SourceFormat.Otlp);
        if (record.TimeUnixNano != 0)
        {
            ShipperEnvelope.WriteTime(json, ShipperEnvelope.Time, FromUnixNanos(record.TimeUnixNano));
        }

        if (record.ObservedTimeUnixNano != 0)
        {
            ShipperEnvelope.WriteTime(json, ShipperEnvelope.ObservedTime, FromUnixNanos(record.ObservedTimeUnixNano));
        }

        if ((int)record.SeverityNumber is >= 1 and <= 24)
        {
            json.WriteNumber(ShipperEnvelope.SeverityNumber, (int)record.SeverityNumber);
        }

        if (record.SeverityText.Length > 0 && Room(json, record.SeverityText.Length))
        {
            json.WriteString(ShipperEnvelope.SeverityText, record.SeverityText);
        }

        if (record.Body is { ValueCase: not AnyValue.ValueOneofCase.None } body)
        {
            var text = body.ValueCase == AnyValue.ValueOneofCase.StringValue ? body.StringValue : Text(json, body);
            if (Room(json, text.Length))
            {
                json.WriteString(ShipperEnvelope.Body, text);
            }
        }

        if (resource is { Attributes.Count: > 0 })
        {
            json.WriteStartObject(ShipperEnvelope.Resource);
            foreach (var attribute in resource.Attributes)
            {
                if (_full)
                {
                    break;
                }

                WriteFlat(json, Name(json, "", attribute.Key), attribute.Value, asText: true);
            }

            json.WriteEndObject();
        }

        json.WriteStartObject(ShipperEnvelope.Attributes);
        if (scope is not null)
        {
            // First, so that a record's attribute of the same name is read last and wins.
            WriteNonEmpty(json, ScopeNameName, scope.Name);
            WriteNonEmpty(json, ScopeVersionName, scope.Version);
            foreach (var attribute in scope.Attributes)
            {
                if (_full)
                {
                    break;
                }

                WriteFlat(json, Name(json, ScopeAttributePrefix, attribute.Key), attribute.Value, asText: false);
            }
        }

        foreach (var attribute in record.Attributes)
        {
            if (_full)
            {
                break;
            }

            WriteFlat(json, Name(json, "", attribute.Key), attribute.Value, asText: false);
        }

        if (!record.TraceId.IsEmpty)
        {
            json.WriteString(TraceIdName, Convert.ToHexStringLower(record.TraceId.Span));
        }

        if (!record.SpanId.IsEmpty)
        {
            json.WriteString(SpanIdName, Convert.ToHexStringLower(record.SpanId.Span));
        }

        if ((record.Flags & (uint)LogRecordFlags.TraceFlagsMask) is var flags and not 0)
        {
            json.WriteNumber(TraceFlagsName, flags);
        }

        WriteNonEmpty(json, EventNameName, record.EventName);
        json.WriteEndObject();

        // Every object begun above is closed whether or not the record filled up, so End closes the envelope.
        var envelope = _envelope.End();
        Framed.Build(_names + _discarded);
        if (_full)
        {
            Framed.RejectUnfinished(envelope, sentBytes);
            return;
        }

        // Framed.Accept rejects a record over the event size limit (as sent) alone, keeping its first bytes.
        Framed.Accept(envelope, sentBytes);
    }

    /// <summary>OTLP ids are 16 and 8 bytes, or empty (OTLP 1.5.0, logs.proto).</summary>
    private static string? IdProblem(LogRecord record) =>
        record.TraceId.Length is not (0 or 16) ? $"trace_id is {record.TraceId.Length} bytes; it must be 16 bytes or empty"
        : record.SpanId.Length is not (0 or 8) ? $"span_id is {record.SpanId.Length} bytes; it must be 8 bytes or empty"
        : null;

    /// <summary>Bytes of the envelope written so far.</summary>
    private static long Written(Utf8JsonWriter json) => json.BytesCommitted + json.BytesPending;

    /// <summary>
    /// Whether the envelope may take a write of at least <paramref name="atLeast"/> bytes (a value's length in chars:
    /// UTF-8 takes no fewer bytes) and stay within <see cref="FramedEvents.MaxStoredEventBytes"/> with the names built
    /// for it (<see cref="_names"/>), and has not
    /// yet reached the record's cap; once not, the record is full and nothing more is written to it. So an envelope
    /// stops growing at the cap plus at most one write that fit it (JSON escaping makes that at most 6 bytes a char).
    /// </summary>
    private bool Room(Utf8JsonWriter json, long atLeast)
    {
        if (!_full && (Written(json) + _names + atLeast > FramedEvents.MaxStoredEventBytes || Written(json) >= _recordCap))
        {
            _full = true;
        }

        return !_full;
    }

    /// <summary>Puts <paramref name="prefix"/> and <paramref name="key"/> in the name buffer; the name's length, or -1 when it cannot fit the record.</summary>
    private int Name(Utf8JsonWriter json, string prefix, string key)
    {
        var length = (long)prefix.Length + key.Length;
        if (!Room(json, length + 1))
        {
            return -1;
        }

        _names += length + 1;
        EnsureName((int)length);
        prefix.CopyTo(_name);
        key.CopyTo(_name.AsSpan(prefix.Length));
        return (int)length;
    }

    private void EnsureName(int length)
    {
        if (_name.Length < length)
        {
            Array.Resize(ref _name, (int)Math.Min(FramedEvents.MaxStoredEventBytes, Math.Max(length, (long)_name.Length * 2)));
        }
    }

    /// <summary>
    /// One attribute, a key-value list flattened into dotted names (as nested JSON objects are). Empty values are
    /// left out, like JSON nulls. <paramref name="asText"/>: every value as a string, for the resource. The name is
    /// the first <paramref name="nameLength"/> chars of the name buffer, which a key-value list's entries extend in
    /// place: a flattened name is built once per entry, and counts toward the envelope before it is built.
    /// </summary>
    private void WriteFlat(Utf8JsonWriter json, int nameLength, AnyValue? value, bool asText)
    {
        if (nameLength < 0)
        {
            return;
        }

        var name = _name.AsSpan(0, nameLength);
        switch (value?.ValueCase ?? AnyValue.ValueOneofCase.None)
        {
            case AnyValue.ValueOneofCase.None:
                break;
            case AnyValue.ValueOneofCase.StringValue:
                if (Room(json, value!.StringValue.Length))
                {
                    json.WriteString(name, value.StringValue);
                }

                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                foreach (var entry in value!.KvlistValue.Values)
                {
                    var length = (long)nameLength + 1 + entry.Key.Length;
                    if (!Room(json, length + 1))
                    {
                        return;
                    }

                    _names += length + 1;
                    EnsureName((int)length);
                    _name[nameLength] = '.';
                    entry.Key.CopyTo(_name.AsSpan(nameLength + 1));
                    WriteFlat(json, (int)length, entry.Value, asText);
                }

                break;
            case AnyValue.ValueOneofCase.BoolValue when !asText:
                json.WriteBoolean(name, value!.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue when !asText:
                json.WriteNumber(name, value!.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue when !asText && double.IsFinite(value!.DoubleValue):
                json.WriteNumber(name, value.DoubleValue);
                break;
            default:
                var text = Text(json, value!);
                if (Room(json, text.Length))
                {
                    json.WriteString(name, text);
                }

                break;
        }
    }

    /// <summary>A string member when not empty and within the record's room (a scope's name is shared by all its records).</summary>
    private void WriteNonEmpty(Utf8JsonWriter json, string name, string value)
    {
        if (value.Length > 0 && Room(json, name.Length + value.Length))
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>
    /// A value as text: a string as is, a number or boolean as JSON writes it (a non-finite double as
    /// <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>), bytes as base64, an array or key-value list as its JSON text.
    /// The text of an array or list stops where it would pass the room left in <paramref name="envelope"/>; the
    /// record is then full (<see cref="Room"/>) and the text is not written.
    /// </summary>
    private string Text(Utf8JsonWriter envelope, AnyValue value)
    {
        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                return value.StringValue;
            case AnyValue.ValueOneofCase.BoolValue:
                return value.BoolValue ? "true" : "false";
            case AnyValue.ValueOneofCase.IntValue:
                return value.IntValue.ToString(CultureInfo.InvariantCulture);
            case AnyValue.ValueOneofCase.DoubleValue:
                return value.DoubleValue.ToString("R", CultureInfo.InvariantCulture);
            case AnyValue.ValueOneofCase.BytesValue:
                // Base64 is 4 chars for 3 bytes: the length is known before the text is made.
                return Room(envelope, (value.BytesValue.Length + 2) / 3 * 4) ? value.BytesValue.ToBase64() : "";
            default:
                _textBuffer.ResetWrittenCount();
                _text.Reset(_textBuffer);
                var room = FramedEvents.MaxStoredEventBytes - Written(envelope);
                var over = false;
                WriteJson(_text, value, room, ref over);
                _text.Flush();
                if (over || Written(_text) > room)
                {
                    _discarded += Written(_text);
                    _full = true;
                    return "";
                }

                return Encoding.UTF8.GetString(_textBuffer.WrittenSpan);
        }
    }

    /// <summary>
    /// A value as JSON; <paramref name="over"/> once it would pass <paramref name="room"/> bytes, and then the rest is
    /// left out (a string too long for the room as an empty one, arrays and lists closed where they are), as the text
    /// will not be written.
    /// </summary>
    private static void WriteJson(Utf8JsonWriter json, AnyValue? value, long room, ref bool over)
    {
        switch (value?.ValueCase ?? AnyValue.ValueOneofCase.None)
        {
            case AnyValue.ValueOneofCase.StringValue when Written(json) + value!.StringValue.Length > room:
                over = true;
                json.WriteStringValue("");
                break;
            case AnyValue.ValueOneofCase.StringValue:
                json.WriteStringValue(value!.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                json.WriteBooleanValue(value!.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                json.WriteNumberValue(value!.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value!.DoubleValue):
                json.WriteNumberValue(value.DoubleValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                json.WriteStringValue(value!.DoubleValue.ToString("R", CultureInfo.InvariantCulture));
                break;
            case AnyValue.ValueOneofCase.BytesValue when Written(json) + ((value!.BytesValue.Length + 2) / 3 * 4) > room:
                over = true;
                json.WriteStringValue("");
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                json.WriteStringValue(value!.BytesValue.ToBase64());
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value!.ArrayValue.Values)
                {
                    if (over || Written(json) > room)
                    {
                        over = true;
                        break;
                    }

                    WriteJson(json, item, room, ref over);
                }

                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                json.WriteStartObject();
                foreach (var entry in value!.KvlistValue.Values)
                {
                    if (over || Written(json) + entry.Key.Length > room)
                    {
                        over = true;
                        break;
                    }

                    json.WritePropertyName(entry.Key);
                    WriteJson(json, entry.Value, room, ref over);
                }

                json.WriteEndObject();
                break;
            default:
                json.WriteNullValue();
                break;
        }
    }

    private static DateTimeOffset FromUnixNanos(ulong nanos) =>
        // 2^64 ns is about year 2554: always within a DateTimeOffset; 100 ns is its precision.
        DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));
}
