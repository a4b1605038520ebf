using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// OTLP/JSON: the proto3 JSON mapping (lowerCamelCase or original field names, 64-bit integers as strings or
/// numbers, bytes as base64, enums as names or numbers; unknown fields ignored as OTLP asks) with OTLP's one
/// exception: <c>traceId</c> and <c>spanId</c> are hex, not base64.
/// <para>
/// The body is read as a JSON document first and each log record is handed to the proto3 JSON parser on its
/// own, so a record that cannot be read (invalid UTF-8 in it, a lone surrogate escape, an id of the wrong
/// length, a value of the wrong type) is rejected alone, by index, with the field named; the others are
/// stored. A resource or scope that cannot be read rejects the records under it. Only a body that is not a
/// JSON object with arrays where OTLP has them fails whole.
/// </para>
/// </summary>
public static class OtlpJson
{
    /// <summary>
    /// How deep the body may nest: a record is 7 levels down and each nested key-value list adds 4, so 256
    /// allows about 60 nested lists, more than the proto3 parser's own 100 message levels let through anyway.
    /// </summary>
    private const int MaxDepth = 256;

    /// <summary>
    /// Integers of 16 digits or more are handed to the proto3 parser as strings, which it reads exactly for
    /// 64-bit fields; as JSON numbers it reads them through a double, exact only to 2^53 (16 digits).
    /// </summary>
    private const int ExactDigits = 16;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The names of OTLP's <c>SeverityNumber</c> values (<c>SEVERITY_NUMBER_INFO</c>), as proto3 JSON writes them.</summary>
    private static readonly EnumDescriptor SeverityNames = LogsReflection.Descriptor.FindTypeByName<EnumDescriptor>("SeverityNumber");

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    // The error answers (google.rpc.Status) pack RetryInfo in an Any, which the formatter can only write
    // with the type in its registry: without it every 429/503 in JSON became a 500.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(TypeRegistry.FromFiles(StatusReflection.Descriptor)));

    /// <summary>Reads an export request; records that cannot be read are in the answer's <see cref="OtlpJsonRequest.Rejected"/>.</summary>
    /// <exception cref="FormatException">The body is not JSON, or not shaped as an ExportLogsServiceRequest; the message names where.</exception>
    /// <param name="chargeRecords">Given the number of log records the document holds before any is built (<see cref="OtlpParsedMemory"/>).</param>
    public static OtlpJsonRequest Parse(ReadOnlyMemory<byte> body, Action<long> chargeRecords)
    {
        ArgumentNullException.ThrowIfNull(chargeRecords);
        if (EventFramer.WithoutByteOrderMark(body.Span).Length < body.Length)
        {
            body = body[3..];
        }

        var valid = Utf8.IsValid(body.Span);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException exception)
        {
            throw new FormatException(valid ? $"it is not JSON: {exception.Message}" : Utf8Problem(body.Span, "the body") + $", and it is not JSON: {exception.Message}");
        }

        using (document)
        {
            chargeRecords(OtlpParsedMemory.CountRecords(document.RootElement));
            using var reader = new Reader(valid);
            return reader.Read(document.RootElement);
        }
    }

    public static string Format(IMessage message) => Formatter.Format(message);

    private static string Utf8Problem(ReadOnlySpan<byte> bytes, string what) =>
        EventFramer.Utf8Problem(bytes)!.Replace("the event", what, StringComparison.Ordinal);

    /// <summary>One body's walk: the request built so far, the records refused, and a buffer for each part's JSON text.</summary>
    private sealed class Reader(bool bodyIsUtf8) : IDisposable
    {
        private readonly ExportLogsServiceRequest _request = new();
        private readonly Dictionary<int, RejectedRecord> _rejected = [];
        private readonly List<int> _sentBytes = [];
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);
        private Utf8JsonWriter? _json;

        public void Dispose() => _json?.Dispose();

        public OtlpJsonRequest Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"it is a JSON {Kind(root)}, not an ExportLogsServiceRequest object");
            }

            foreach (var member in root.EnumerateObject())
            {
                if (member.NameEquals("resourceLogs") || member.NameEquals("resource_logs"))
                {
                    if (!IsArray(member.Value, "resourceLogs"))
                    {
                        continue;
                    }

                    var i = 0;
                    foreach (var resourceLogs in member.Value.EnumerateArray())
                    {
                        ReadResourceLogs(resourceLogs, $"resourceLogs[{i++}]");
                    }
                }
            }

            return new OtlpJsonRequest(_request, _rejected, _sentBytes);
        }

        private void ReadResourceLogs(JsonElement element, string path)
        {
            var (resourceLogs, problem) = ParsePart<ResourceLogs>(element, path, "scopeLogs", "scope_logs");
            _request.ResourceLogs.Add(resourceLogs);
            var children = Member(element, "scopeLogs", "scope_logs");
            if (!IsArray(children, path + ".scopeLogs"))
            {
                return;
            }

            var i = 0;
            foreach (var scopeLogs in children.EnumerateArray())
            {
                ReadScopeLogs(scopeLogs, resourceLogs, problem, $"{path}.scopeLogs[{i++}]");
            }
        }

        private void ReadScopeLogs(JsonElement element, ResourceLogs resourceLogs, string? resourceProblem, string path)
        {
            var (scopeLogs, problem) = ParsePart<ScopeLogs>(element, path, "logRecords", "log_records");
            resourceLogs.ScopeLogs.Add(scopeLogs);
            problem = resourceProblem ?? problem;
            var records = Member(element, "logRecords", "log_records");
            if (!IsArray(records, path + ".logRecords"))
            {
                return;
            }

            foreach (var record in records.EnumerateArray())
            {
                var raw = JsonMarshal.GetRawUtf8Value(record);
                _sentBytes.Add(raw.Length);
                LogRecord? parsed = null;
                var recordProblem = problem ?? RecordProblem(record, raw, out parsed);
                if (recordProblem is null)
                {
                    scopeLogs.LogRecords.Add(parsed!);
                    continue;
                }

                // A placeholder keeps every later record at its index; the ingest rejects it with this reason.
                _rejected[_sentBytes.Count - 1] = new RejectedRecord(recordProblem, raw.ToArray());
                scopeLogs.LogRecords.Add(new LogRecord());
            }
        }

        /// <summary>A resource or scope part without its list of children; on a problem, an empty part and the reason its records are rejected.</summary>
        private (T Part, string? Problem) ParsePart<T>(JsonElement element, string path, string children, string childrenOriginal)
            where T : IMessage, new()
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{path} is a JSON {Kind(element)}, not an object");
            }

            if (!bodyIsUtf8 && !Utf8.IsValid(JsonMarshal.GetRawUtf8Value(element)))
            {
                // Only the part's own members are read here; invalid bytes may be in a child record alone.
                var own = OwnMembersProblem(element, children, childrenOriginal);
                if (own is not null)
                {
                    return (new T(), $"{path}: {own}");
                }
            }

            try
            {
                return (ParseMessage<T>(element, children, childrenOriginal, null), null);
            }
            catch (FieldException exception)
            {
                return (new T(), $"{path}: {exception.Message}");
            }
        }

        private static string? OwnMembersProblem(JsonElement element, string children, string childrenOriginal)
        {
            foreach (var member in element.EnumerateObject())
            {
                if (!member.NameEquals(children) && !member.NameEquals(childrenOriginal) && !Utf8.IsValid(JsonMarshal.GetRawUtf8Value(member.Value)))
                {
                    return Utf8Problem(JsonMarshal.GetRawUtf8Value(member.Value), "a member's value");
                }
            }

            return null;
        }

        /// <summary>Null when the record was read into <paramref name="record"/>, else why not, naming the field.</summary>
        private string? RecordProblem(JsonElement element, ReadOnlySpan<byte> raw, out LogRecord? record)
        {
            record = null;
            if (element.ValueKind != JsonValueKind.Object)
            {
                return $"the record is a JSON {Kind(element)}, not an object";
            }

            if (!bodyIsUtf8 && !Utf8.IsValid(raw))
            {
                return Utf8Problem(raw, "the record");
            }

            var ids = new Ids();
            try
            {
                record = ParseMessage<LogRecord>(element, null, null, ids);
                record.TraceId = ids.TraceId;
                record.SpanId = ids.SpanId;
                return null;
            }
            catch (FieldException exception)
            {
                return exception.Message;
            }
        }

        /// <summary>
        /// The proto3 JSON parser on the element's members, except <paramref name="skip"/> (a part's children); a
        /// record's ids go to <paramref name="ids"/>. Throws <see cref="FieldException"/> naming the field.
        /// </summary>
        private T ParseMessage<T>(JsonElement element, string? skip, string? skipOriginal, Ids? ids)
            where T : IMessage, new()
        {
            _buffer.ResetWrittenCount();
            var json = _json ??= new Utf8JsonWriter(_buffer);
            json.Reset(_buffer);
            json.WriteStartObject();
            foreach (var member in element.EnumerateObject())
            {
                if (skip is not null && (member.NameEquals(skip) || member.NameEquals(skipOriginal!)))
                {
                    continue;
                }

                if (ids is not null && (member.NameEquals("traceId") || member.NameEquals("trace_id")))
                {
                    ids.TraceId = Id(member.Value, "traceId", 16);
                }
                else if (ids is not null && (member.NameEquals("spanId") || member.NameEquals("span_id")))
                {
                    ids.SpanId = Id(member.Value, "spanId", 8);
                }
                else if (ids is not null && member.Value.ValueKind == JsonValueKind.String
                    && (member.NameEquals("severityNumber") || member.NameEquals("severity_number")))
                {
                    CheckSeverityName(member.Value);
                    CopyMember(json, member);
                }
                else
                {
                    CopyMember(json, member);
                }
            }

            json.WriteEndObject();
            json.Flush();

            try
            {
                return Parser.Parse<T>(Encoding.UTF8.GetString(_buffer.WrittenSpan));
            }
            // Whatever the proto3 parser refuses in one part is that part's problem, never the request's (nor a 500).
            catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException
                or OverflowException or ArgumentException or InvalidOperationException)
            {
                throw new FieldException($"not an OTLP {typeof(T).Name} in JSON: {exception.Message}");
            }
        }

        private static void CopyMember(Utf8JsonWriter json, JsonProperty member)
        {
            string name;
            try
            {
                name = member.Name;
            }
            catch (InvalidOperationException exception)
            {
                throw new FieldException($"a member name is not Unicode text: {exception.Message}");
            }

            if (name is "bytesValue" or "bytes_value" && member.Value.ValueKind == JsonValueKind.String
                && NotBase64(JsonMarshal.GetRawUtf8Value(member.Value)[1..^1]) is { } shown)
            {
                // Named here: the proto3 parser's own reason ("Invalid base64 data") does not say where.
                throw new FieldException($"{name}: \"{shown}\" is not base64");
            }

            try
            {
                json.WritePropertyName(name);
                CopyValue(json, member.Value);
            }
            catch (FieldException exception)
            {
                throw exception.Within(name);
            }
            catch (InvalidOperationException exception)
            {
                throw new FieldException($"{name}: {exception.Message}");
            }
        }

        /// <summary>Copies a value as is, except long integers as strings (<see cref="ExactDigits"/>).</summary>
        private static void CopyValue(Utf8JsonWriter json, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    json.WriteStartObject();
                    foreach (var member in value.EnumerateObject())
                    {
                        CopyMember(json, member);
                    }

                    json.WriteEndObject();
                    break;
                case JsonValueKind.Array:
                    json.WriteStartArray();
                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        try
                        {
                            CopyValue(json, item);
                        }
                        catch (FieldException exception)
                        {
                            throw exception.Within($"[{i}]");
                        }
                        catch (InvalidOperationException exception)
                        {
                            throw new FieldException($"[{i}]: {exception.Message}");
                        }

                        i++;
                    }

                    json.WriteEndArray();
                    break;
                case JsonValueKind.Number when IsLongInteger(JsonMarshal.GetRawUtf8Value(value)):
                    // Digits and a sign: ASCII, written as the string the proto3 parser reads exactly.
                    json.WriteStringValue(JsonMarshal.GetRawUtf8Value(value));
                    break;
                default:
                    // A string with a lone surrogate escape (\ud800) throws InvalidOperationException here: it has no UTF-8 form.
                    value.WriteTo(json);
                    break;
            }
        }

        /// <summary>
        /// The text (cut to 40 characters) of a string that is neither standard nor URL-safe base64, else null. One
        /// with escapes is left to the proto3 parser: base64 needs none, and reading it here could throw.
        /// </summary>
        private static string? NotBase64(ReadOnlySpan<byte> unquoted)
        {
            if (unquoted.Contains((byte)'\\') || Base64.IsValid(unquoted) || Base64Url.IsValid(unquoted))
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(unquoted);
            return text.Length > 40 ? text[..40] + "…" : text;
        }

        private static bool IsLongInteger(ReadOnlySpan<byte> number)
        {
            var digits = number.Length - (number[0] == (byte)'-' ? 1 : 0);
            return digits >= ExactDigits && number.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        }

        /// <summary>
        /// A severity given by name must be one of OTLP's: the proto3 parser, told to pass over what it does not know,
        /// made an unknown name 0 without a word (helper-109).
        /// </summary>
        private static void CheckSeverityName(JsonElement value)
        {
            string name;
            try
            {
                name = value.GetString()!;
            }
            catch (InvalidOperationException exception)
            {
                throw new FieldException($"severityNumber: {exception.Message}");
            }

            if (SeverityNames.FindValueByName(name) is null)
            {
                var shown = name.Length > 40 ? name[..40] + "…" : name;
                throw new FieldException($"severityNumber \"{shown}\" is not a severity: give a number 0 to 24 or a name such as SEVERITY_NUMBER_INFO");
            }
        }

        /// <summary>An OTLP/JSON id: hex of its length in bytes (the OTLP exception to base64), or empty; base64 of that length is read too.</summary>
        private static ByteString Id(JsonElement value, string name, int bytes)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                return ByteString.Empty;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw new FieldException($"{name} is a JSON {Kind(value)}; it must be a string of {bytes * 2} hex digits, or empty");
            }

            string text;
            try
            {
                text = value.GetString()!;
            }
            catch (InvalidOperationException exception)
            {
                throw new FieldException($"{name}: {exception.Message}");
            }

            if (text.Length == 0)
            {
                return ByteString.Empty;
            }

            if (text.Length == bytes * 2 && text.All(Uri.IsHexDigit))
            {
                return ByteString.CopyFrom(Convert.FromHexString(text));
            }

            Span<byte> decoded = stackalloc byte[bytes + 3];
            if (Convert.TryFromBase64String(text, decoded, out var written) && written == bytes)
            {
                return ByteString.CopyFrom(decoded[..written]);
            }

            var shown = text.Length > 40 ? text[..40] + "…" : text;
            var notHex = text.Length == bytes * 2 ? ", not all of them hex digits" : "";
            throw new FieldException($"{name} \"{shown}\" is {text.Length} characters{notHex}; it must be {bytes * 2} hex digits ({bytes} bytes), or empty");
        }

        /// <summary>True for an array, false for none (absent or null, as proto3 JSON allows); else the body is not OTLP.</summary>
        private static bool IsArray(JsonElement value, string path) => value.ValueKind switch
        {
            JsonValueKind.Array => true,
            JsonValueKind.Null or JsonValueKind.Undefined => false,
            _ => throw new FormatException($"{path} is a JSON {Kind(value)}, not an array"),
        };

        private static JsonElement Member(JsonElement element, string name, string original)
        {
            var found = default(JsonElement);
            foreach (var member in element.EnumerateObject())
            {
                if (member.NameEquals(name) || member.NameEquals(original))
                {
                    found = member.Value;
                }
            }

            return found;
        }

        private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();
    }

    /// <summary>The ids of a record, read by <see cref="Reader"/> rather than by the proto3 parser (which reads base64).</summary>
    private sealed class Ids
    {
        public ByteString TraceId { get; set; } = ByteString.Empty;

        public ByteString SpanId { get; set; } = ByteString.Empty;
    }

    /// <summary>A field that cannot be read; its message is the field's path from the record, then the problem.</summary>
    private sealed class FieldException(string message) : Exception(message)
    {
        public FieldException Within(string parent) =>
            new(Message.StartsWith('[') ? parent + Message : $"{parent}.{Message}");
    }
}

/// <summary>A record the JSON reader refused alone: why (naming the field), and its JSON text as the client sent it.</summary>
public readonly record struct RejectedRecord(string Reason, byte[] Json);

/// <summary>
/// An OTLP/JSON export as read: the request, with an empty placeholder at the index of each record that could
/// not be read (in <see cref="Rejected"/>), and the bytes the client sent for each record (the event size limit
/// applies to those).
/// </summary>
public sealed record OtlpJsonRequest(ExportLogsServiceRequest Request, IReadOnlyDictionary<int, RejectedRecord> Rejected, IReadOnlyList<int> SentBytes);
