using System.Text.Json;
using Orleans.EventPipeline.Silo.Gateway.Memory;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// What an export takes in memory once parsed, charged before it is parsed. A log record costs 2 bytes on the wire and an
/// object graph once parsed: a 2 MB request of 1,000,000 empty records grew the silo by 435 MB (helper-109), and
/// <see cref="GatewayOptions.MaxDecompressedBytes"/> of them (32 MiB, a gzip body of about 100 KB) would take gigabytes.
/// The records are counted in the message as sent (protobuf fields, or the JSON document's arrays), each charged
/// <see cref="BytesPerRecord"/> to the request's share of <see cref="GatewayOptions.MaxInFlightBytes"/>.
/// </summary>
internal static class OtlpParsedMemory
{
    /// <summary>
    /// 256 bytes a record: a parsed <c>LogRecord</c> with its empty attribute list and its place in its scope's list
    /// is about 150, and the collector holds more than the objects (435 a record in the measurement above). So
    /// <see cref="GatewayOptions.MaxInFlightBytes"/> of 256 MiB takes 1,048,576 records in one export; OTel SDKs send
    /// at most 512, the Collector's batch processor 8,192 by default.
    /// </summary>
    public const int BytesPerRecord = 256;

    /// <summary>Charges <paramref name="records"/> to the request: the 413 when they could never fit the budget, the 503 while it is full.</summary>
    public static void Charge(long records, RequestMemoryLease lease, GatewayOptions limits)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(limits);
        var bytes = records * BytesPerRecord;
        if (bytes > limits.MaxInFlightBytes)
        {
            throw IngestProblemException.TooLarge(
                $"The export holds {records} log records, which take about {bytes} bytes once parsed ({BytesPerRecord} a record), more than all requests in flight may hold ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxInFlightBytes)}, {limits.MaxInFlightBytes} bytes, so at most {limits.MaxInFlightBytes / BytesPerRecord} records an export). Nothing was stored; send fewer records per export.");
        }

        if (!lease.TryReserve(bytes))
        {
            throw lease.Exhausted();
        }
    }

    /// <summary>
    /// The log records of an <c>ExportLogsServiceRequest</c> in protobuf, counted without parsing it: field 1 of the
    /// request (resource_logs), field 2 of each (scope_logs), field 2 of each of those (log_records). A message that is
    /// not well formed is counted as far as it reads; the parser refuses it after.
    /// </summary>
    public static long CountRecords(ReadOnlySpan<byte> message)
    {
        long records = 0;
        ForEachField(message, resourceLogs => ForEachField(resourceLogs, scopeLogs => records += CountFields(scopeLogs, 2), field: 2), field: 1);
        return records;
    }

    /// <summary>The log records of an OTLP/JSON document: the lengths of every <c>logRecords</c> array under each scope of each resource.</summary>
    public static long CountRecords(JsonElement root)
    {
        long records = 0;
        foreach (var resourceLogs in Items(root, "resourceLogs", "resource_logs"))
        {
            foreach (var scopeLogs in Items(resourceLogs, "scopeLogs", "scope_logs"))
            {
                foreach (var list in Members(scopeLogs, "logRecords", "log_records"))
                {
                    records += list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : 0;
                }
            }
        }

        return records;
    }

    private static IEnumerable<JsonElement> Items(JsonElement element, string name, string snakeName) =>
        Members(element, name, snakeName).Where(static m => m.ValueKind == JsonValueKind.Array).SelectMany(static m => m.EnumerateArray());

    private static IEnumerable<JsonElement> Members(JsonElement element, string name, string snakeName) =>
        element.ValueKind != JsonValueKind.Object ? []
            : element.EnumerateObject().Where(m => m.NameEquals(name) || m.NameEquals(snakeName)).Select(static m => m.Value);

    private delegate void FieldAction(ReadOnlySpan<byte> value);

    private static long CountFields(ReadOnlySpan<byte> message, int field)
    {
        long count = 0;
        ForEachField(message, _ => count++, field);
        return count;
    }

    /// <summary>Calls <paramref name="action"/> with the bytes of each length-delimited <paramref name="field"/> of <paramref name="message"/>; stops at the first byte that does not read.</summary>
    private static void ForEachField(ReadOnlySpan<byte> message, FieldAction action, int field)
    {
        while (!message.IsEmpty)
        {
            if (!TryVarint(ref message, out var tag))
            {
                return;
            }

            switch (tag & 7)
            {
                case 0 when TryVarint(ref message, out _):
                    break;
                case 1 when message.Length >= 8:
                    message = message[8..];
                    break;
                case 5 when message.Length >= 4:
                    message = message[4..];
                    break;
                case 2 when TryVarint(ref message, out var length) && length <= (ulong)message.Length:
                    if ((int)(tag >> 3) == field)
                    {
                        action(message[..(int)length]);
                    }

                    message = message[(int)length..];
                    break;
                default:
                    return;
            }
        }
    }

    private static bool TryVarint(ref ReadOnlySpan<byte> message, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && !message.IsEmpty; shift += 7)
        {
            var b = message[0];
            message = message[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
