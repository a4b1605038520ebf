using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>OTLP export requests built with the gateway's generated types.</summary>
internal static class OtlpRequests
{
    /// <summary>One resource and one scope holding <paramref name="records"/>.</summary>
    public static ExportLogsServiceRequest Of(params LogRecord[] records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "test" } };
        scope.LogRecords.AddRange(records);
        var resource = new ResourceLogs { Resource = new Resource() };
        resource.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resource);
        return request;
    }

    /// <summary>
    /// The protobuf bytes of one resource and one scope holding <paramref name="records"/> empty records (2 bytes each),
    /// written by hand: a million parsed records would take the test's own memory.
    /// </summary>
    public static byte[] EmptyRecordsMessage(int records)
    {
        // ExportLogsServiceRequest field 1 (resource_logs) > ResourceLogs field 2 (scope_logs) > ScopeLogs field 2 (log_records).
        byte[] scopeLogs = [.. Enumerable.Repeat<byte[]>([0x12, 0x00], records).SelectMany(static r => r)];
        return Field(1, Field(2, scopeLogs));

        static byte[] Field(int number, byte[] value)
        {
            var header = new List<byte> { (byte)((number << 3) | 2) };
            for (var length = (uint)value.Length; ; length >>= 7)
            {
                header.Add((byte)(length < 0x80 ? length : (length & 0x7F) | 0x80));
                if (length < 0x80)
                {
                    break;
                }
            }

            return [.. header, .. value];
        }
    }

    /// <summary>OTLP/JSON of one resource and one scope holding <paramref name="records"/> empty records (<c>{}</c>).</summary>
    public static byte[] EmptyRecordsJson(int records) =>
        System.Text.Encoding.UTF8.GetBytes("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[" + string.Join(",", Enumerable.Repeat("{}", records)) + "]}]}]}");
}
