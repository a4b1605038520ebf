using Google.Protobuf;
using Google.Protobuf.Reflection;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// OTLP/JSON: the proto3 JSON mapping (lowerCamelCase or original field names, 64-bit integers as strings or
/// numbers, bytes as base64, enums as names or numbers; unknown fields ignored as OTLP asks) with OTLP's one
/// exception: <c>traceId</c> and <c>spanId</c> are hex, not base64.
/// </summary>
public static class OtlpJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    // The error answers (google.rpc.Status) pack RetryInfo in an Any, which the formatter can only write
    // with the type in its registry: without it every 429/503 in JSON became a 500.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(TypeRegistry.FromFiles(StatusReflection.Descriptor)));

    /// <exception cref="InvalidProtocolBufferException">The body is not an ExportLogsServiceRequest in JSON (also
    /// <see cref="InvalidJsonException"/> for text that is not JSON, <see cref="FormatException"/> for bytes that are not base64).</exception>
    public static ExportLogsServiceRequest Parse(string json)
    {
        var request = Parser.Parse<ExportLogsServiceRequest>(json);
        foreach (var resourceLogs in request.ResourceLogs)
        {
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                foreach (var record in scopeLogs.LogRecords)
                {
                    record.TraceId = FromHex(record.TraceId, 16);
                    record.SpanId = FromHex(record.SpanId, 8);
                }
            }
        }

        return request;
    }

    public static string Format(IMessage message) => Formatter.Format(message);

    /// <summary>
    /// The proto3 parser read the id's hex digits as base64. Hex digits are base64 letters, and 4 of them decode to
    /// 3 bytes with no bits left over, so an id of 2n hex digits came out as 3n/2 bytes that encode back to the
    /// same digits: those are turned back into text and read as hex. An id sent as real base64 (n bytes) is kept.
    /// </summary>
    private static ByteString FromHex(ByteString parsed, int idBytes)
    {
        if (parsed.Length != idBytes * 3 / 2)
        {
            return parsed;
        }

        var digits = parsed.ToBase64();
        return digits.Length == idBytes * 2 && digits.All(Uri.IsHexDigit)
            ? ByteString.CopyFrom(Convert.FromHexString(digits))
            : parsed;
    }
}
