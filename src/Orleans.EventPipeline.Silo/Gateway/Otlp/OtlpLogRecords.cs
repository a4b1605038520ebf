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

    private OtlpLogRecords(FramedEvents framed)
    {
        Framed = framed;
        _text = new Utf8JsonWriter(_textBuffer, TextOptions);
    }

    public FramedEvents Framed { get; }

    /// <summary>
    /// Frames every record of <paramref name="request"/>; <paramref name="requestBytes"/> sizes the frame buffer.
    /// <paramref name="json"/>, for an OTLP/JSON export, names the records its reader refused and what the client
    /// sent for each; else a record's size as sent is its protobuf size.
    /// </summary>
    public static OtlpLogRecords From(ExportLogsServiceRequest request, OtlpJsonRequest? json, int requestBytes, int maxEventBytes, RequestMemoryLease lease)
    {
        ArgumentNullException.ThrowIfNull(request);
        var records = new OtlpLogRecords(new FramedEvents(Streams.EventKind.Json, requestBytes, maxEventBytes, lease));
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

        if (record.SeverityText.Length > 0)
        {
            json.WriteString(ShipperEnvelope.SeverityText, record.SeverityText);
        }

        if (record.Body is { ValueCase: not AnyValue.ValueOneofCase.None } body)
        {
            if (body.ValueCase == AnyValue.ValueOneofCase.StringValue)
            {
                json.WriteString(ShipperEnvelope.Body, body.StringValue);
            }
            else
            {
                json.WriteString(ShipperEnvelope.Body, Text(body));
            }
        }

        if (resource is { Attributes.Count: > 0 })
        {
            json.WriteStartObject(ShipperEnvelope.Resource);
            foreach (var attribute in resource.Attributes)
            {
                WriteFlat(json, attribute.Key, attribute.Value, asText: true);
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
                WriteFlat(json, ScopeAttributePrefix + attribute.Key, attribute.Value, asText: false);
            }
        }

        foreach (var attribute in record.Attributes)
        {
            WriteFlat(json, attribute.Key, attribute.Value, asText: false);
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

        // Framed.Accept rejects a record over the event size limit (as sent) alone, keeping its first bytes.
        Framed.Accept(_envelope.End(), sentBytes);
    }

    /// <summary>OTLP ids are 16 and 8 bytes, or empty (OTLP 1.5.0, logs.proto).</summary>
    private static string? IdProblem(LogRecord record) =>
        record.TraceId.Length is not (0 or 16) ? $"trace_id is {record.TraceId.Length} bytes; it must be 16 bytes or empty"
        : record.SpanId.Length is not (0 or 8) ? $"span_id is {record.SpanId.Length} bytes; it must be 8 bytes or empty"
        : null;

    /// <summary>
    /// One attribute, a key-value list flattened into dotted names (as nested JSON objects are). Empty values are
    /// left out, like JSON nulls. <paramref name="asText"/>: every value as a string, for the resource.
    /// </summary>
    private void WriteFlat(Utf8JsonWriter json, string name, AnyValue? value, bool asText)
    {
        switch (value?.ValueCase ?? AnyValue.ValueOneofCase.None)
        {
            case AnyValue.ValueOneofCase.None:
                break;
            case AnyValue.ValueOneofCase.StringValue:
                json.WriteString(name, value!.StringValue);
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                foreach (var entry in value!.KvlistValue.Values)
                {
                    WriteFlat(json, string.Concat(name, ".", entry.Key), entry.Value, asText);
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
                json.WriteString(name, Text(value!));
                break;
        }
    }

    private static void WriteNonEmpty(Utf8JsonWriter json, string name, string value)
    {
        if (value.Length > 0)
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>
    /// A value as text: a string as is, a number or boolean as JSON writes it (a non-finite double as
    /// <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>), bytes as base64, an array or key-value list as its JSON text.
    /// </summary>
    private string Text(AnyValue value)
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
                return value.BytesValue.ToBase64();
            default:
                _textBuffer.ResetWrittenCount();
                _text.Reset(_textBuffer);
                WriteJson(_text, value);
                _text.Flush();
                return Encoding.UTF8.GetString(_textBuffer.WrittenSpan);
        }
    }

    private static void WriteJson(Utf8JsonWriter json, AnyValue? value)
    {
        switch (value?.ValueCase ?? AnyValue.ValueOneofCase.None)
        {
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
            case AnyValue.ValueOneofCase.BytesValue:
                json.WriteStringValue(value!.BytesValue.ToBase64());
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value!.ArrayValue.Values)
                {
                    WriteJson(json, item);
                }

                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                json.WriteStartObject();
                foreach (var entry in value!.KvlistValue.Values)
                {
                    json.WritePropertyName(entry.Key);
                    WriteJson(json, entry.Value);
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
