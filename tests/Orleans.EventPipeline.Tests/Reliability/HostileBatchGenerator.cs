using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Tests.Reliability;

/// <summary>One generated request: its lines (no line holds '\n'), content type and optional Idempotency-Key.</summary>
internal sealed record HostileBatch(string ContentType, IReadOnlyList<byte[]> Lines, string? IdempotencyKey, bool PostTwice)
{
    public byte[] Body()
    {
        using var body = new MemoryStream();
        foreach (var line in Lines)
        {
            body.Write(line);
            body.WriteByte((byte)'\n');
        }

        return body.ToArray();
    }
}

/// <summary>
/// Batches that mix valid events with content real sources produce: random bytes, invalid UTF-8, lone
/// surrogates, deep nesting, huge and non-finite numbers, extreme timestamps, oversize events. Fully
/// determined by the seed, so a failing run is reproduced by its seed.
/// </summary>
internal sealed class HostileBatchGenerator(int seed, int oversizeBytes)
{
    private static readonly string[] Timestamps =
    [
        "2024-01-01T00:00:00+14:30", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-02-30T00:00:00Z",
        "0000-00-00T00:00:00Z", "2024-01-01T00:00:00.123456789012Z", "-1", "1e20", "not a time", "",
    ];

    private static readonly string[] Numbers = ["1e400", "-1e400", "1e-400", "123456789012345678901234567890123", "-0", "0.1e309", "4.9e-324"];

    private readonly Random _random = new(seed);
    private int _batches;

    public HostileBatch Next()
    {
        var number = _batches++;
        var text = _random.Next(5) == 0;
        var count = _random.Next(1, 41);
        var lines = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var marker = string.Create(CultureInfo.InvariantCulture, $"b{number}e{i}");
            lines.Add(text ? TextLine(marker) : JsonLine(marker));
        }

        var keyed = _random.Next(4) == 0;
        return new HostileBatch(
            text ? "text/plain" : "application/x-ndjson",
            lines,
            keyed ? string.Create(CultureInfo.InvariantCulture, $"seed{seed}-batch{number}") : null,
            keyed && _random.Next(2) == 0);
    }

    private byte[] JsonLine(string marker)
    {
        var m = $"\"m\":\"{marker}\"";
        return _random.Next(22) switch
        {
            0 => Concat($"{{{m},\"s\":\"", [0xFF], "\"}"),
            1 => Concat($"{{{m},\"s\":\"a", [0xC0, 0x80], "b\"}"),
            2 => Concat($"{{{m},\"s\":\"", [0xED, 0xA0, 0x80], "\"}"),
            3 => Utf8($"{{{m},\"s\":\"\\ud800\"}}"),
            4 => Utf8($"{{{m},\"s\":\"x\\udfff\\ud800y\"}}"),
            5 => Utf8($"{{{m},\"d\":{new string('[', 70)}{new string(']', 70)}}}"),
            6 => Utf8($"{{{m},\"d\":{Nest(_random.Next(1, 40))}}}"),
            7 or 8 => Utf8($"{{{m},\"x\":{Numbers[_random.Next(Numbers.Length)]}}}"),
            9 or 10 => Utf8($"{{{m},\"timestamp\":\"{Timestamps[_random.Next(Timestamps.Length)]}\",\"message\":\"t\"}}"),
            11 => Utf8($"{{{m},\"timestamp\":{Numbers[_random.Next(Numbers.Length)]}}}"),
            12 => RandomBytes(),
            13 => Utf8($"[1,2,{{{m}}}]"),
            14 => Utf8($"{{{m},\"s\":\"\\u0000\\u001f\\\\ \\\" 😀 \\ud83d\\ude00\"}}"),
            // A repeated name: the last value wins (docs/EVENT-SCHEMA.md), so the marker goes last.
            15 => Utf8($"{{\"m\":\"first\",{m},\"level\":{{\"x\":1}},\"message\":[1,{{}}],\"host\":null}}"),
            16 when _random.Next(8) == 0 => Utf8($"{{{m},\"big\":\"{new string('x', oversizeBytes)}\"}}"),
            _ => Utf8($"{{{m},\"n\":{_random.Next()},\"message\":\"user {_random.Next(100)} logged in\",\"timestamp\":\"2026-11-30T12:{_random.Next(60):D2}:00Z\",\"level\":\"info\"}}"),
        };
    }

    /// <summary>
    /// A message another Event Hubs client could write to the hub: its properties and body. The pipeline
    /// must quarantine it whole and deliver everything around it.
    /// </summary>
    public (Dictionary<string, object> Properties, byte[] Body) NextForeign(string tenant)
    {
        var body = RandomBytes();
        var properties = new Dictionary<string, object>(StringComparer.Ordinal);
        switch (_random.Next(5))
        {
            case 0:
                break;
            case 1:
                properties["ep-format"] = "eventpipeline.raw.v1";
                properties["ep-tenant"] = tenant;
                properties["ep-batch"] = Guid.NewGuid().ToString("N");
                properties["ep-ingest-time-ms"] = 0L;
                properties["ep-kind"] = "json";
                properties["ep-first-index"] = 0;
                properties["ep-count"] = 3;
                properties["StreamNamespace"] = "tenant-raw";
                break;
            case 2:
                properties["ep-format"] = "eventpipeline.deadletter.v1";
                properties["ep-tenant"] = tenant;
                properties["StreamNamespace"] = "tenant-deadletter";
                break;
            case 3:
                properties["StreamNamespace"] = "tenant-raw";
                break;
            default:
                properties["ep-format"] = "someone-elses-format";
                properties["x"] = _random.Next();
                break;
        }

        return (properties, body);
    }

    private byte[] TextLine(string marker) => _random.Next(8) switch
    {
        0 => Utf8($"<34>1 2026-11-30T12:00:00.000Z host app 1 ID47 [x@1 a=\"b\"] {marker} hello"),
        1 => Utf8($"<13>Nov 30 12:00:00 host app[1]: {marker} hello"),
        2 => Utf8($"CEF:0|Vendor|Product|1.0|100|{marker} name|5|src=10.0.0.1 msg=a\\=b\\\\ c"),
        3 => Concat($"<34>1 9999-12-31T23:59:59-01:00 host app - - - {marker} ", [0xFF, 0xFE], ""),
        4 => Utf8($"<999>1 - - - - - - {marker}"),
        5 => RandomBytes(),
        6 when _random.Next(8) == 0 => Utf8($"{marker} {new string('y', oversizeBytes)}"),
        _ => Utf8($"{marker} plain text line {_random.Next()}"),
    };

    private byte[] RandomBytes()
    {
        var bytes = new byte[_random.Next(1, 200)];
        _random.NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i++)
        {
            // Lines are the framing: a newline inside would make two events, a trailing CR is framing too.
            if (bytes[i] is (byte)'\n' or (byte)'\r')
            {
                bytes[i] = (byte)'n';
            }
        }

        // A line of blanks only is no event at all.
        if (bytes.All(static b => b is (byte)' ' or (byte)'\t'))
        {
            bytes[0] = (byte)'x';
        }

        return bytes;
    }

    private static string Nest(int depth) => string.Concat(Enumerable.Repeat("{\"k\":", depth)) + "1" + new string('}', depth);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Concat(string before, byte[] middle, string after) => [.. Utf8(before), .. middle, .. Utf8(after)];
}
