using System.Buffers;
using System.Text.Json;
using Orleans.EventPipeline.Events;
using ZstdSharp;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// The archive's content: one JSON object per event and line (NDJSON, docs/EVENT-SCHEMA.md), the whole
/// object compressed as one zstd frame.
/// </summary>
public static class ArchiveFormat
{
    /// <summary>
    /// zstd level 3 (zstd's default): about 6-10x on log text at a few hundred MB/s per core; higher
    /// levels gain a few percent for several times the CPU.
    /// </summary>
    public const int CompressionLevel = 3;

    /// <summary>Appends one event as a JSON line to <paramref name="output"/>.</summary>
    public static void WriteLine(NormalizedEvent normalized, IBufferWriter<byte> output, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Reset(output);
        writer.WriteStartObject();
        writer.WriteString("tenantId"u8, normalized.TenantId);
        writer.WriteString("eventId"u8, normalized.EventId);
        writer.WriteString("ingestTime"u8, normalized.IngestTime);
        if (normalized.Timestamp is { } timestamp)
        {
            writer.WriteString("timestamp"u8, timestamp);
        }
        else
        {
            writer.WriteNull("timestamp"u8);
        }

        writer.WriteString("observedTime"u8, normalized.ObservedTime);
        writer.WriteNumber("severityNumber"u8, normalized.SeverityNumber);
        writer.WriteString("severityText"u8, normalized.SeverityText);
        writer.WriteString("body"u8, normalized.Body);
        writer.WriteStartObject("attributes"u8);
        // The parsers and the enricher build dictionaries: enumerated as such, without boxing an enumerator per event.
        if (normalized.Attributes is Dictionary<string, AttributeValue> attributes)
        {
            foreach (var (name, value) in attributes)
            {
                WriteAttribute(writer, name, value);
            }
        }
        else
        {
            foreach (var (name, value) in normalized.Attributes)
            {
                WriteAttribute(writer, name, value);
            }
        }

        writer.WriteEndObject();
        writer.WriteStartObject("resource"u8);
        if (normalized.Resource is Dictionary<string, string> resource)
        {
            foreach (var (name, value) in resource)
            {
                writer.WriteString(name, value);
            }
        }
        else
        {
            foreach (var (name, value) in normalized.Resource)
            {
                writer.WriteString(name, value);
            }
        }

        writer.WriteEndObject();
        writer.WriteString("format"u8, FormatName(normalized.Format));
        writer.WriteBoolean("late"u8, normalized.Late);
        writer.WriteEndObject();
        writer.Flush();
        output.Write("\n"u8);
    }

    private static void WriteAttribute(Utf8JsonWriter writer, string name, AttributeValue value)
    {
        switch (value.Kind)
        {
            case AttributeKind.Int: writer.WriteNumber(name, value.IntValue); break;
            case AttributeKind.Double: writer.WriteNumber(name, value.DoubleValue); break;
            case AttributeKind.Bool: writer.WriteBoolean(name, value.IntValue != 0); break;
            default: writer.WriteString(name, value.Text); break;
        }
    }

    /// <summary>
    /// Largest compression output array kept for reuse, 8 MiB: the first try for an object of up to 16 MiB (twice the
    /// default <see cref="ArchiveFlushPolicy.MaxBytes"/>, and up to one batch more, as the writer flushes once past it)
    /// at <see cref="FirstRatio"/>, with its eighth to spare, is under 5 MiB, which the pool rounds up to its next power
    /// of two. Objects expected larger than this compressed take an array allocated for them and dropped.
    /// </summary>
    public const int PooledOutputMaxBytes = 8 * 1024 * 1024;

    /// <summary>What the first try assumes of an object when its writer has compressed none yet: a quarter of its size.</summary>
    public const double FirstRatio = 0.25;

    /// <summary>
    /// Arrays the pool keeps of each power-of-two size from <see cref="MinOutputGuess"/> to <see cref="PooledOutputMaxBytes"/>:
    /// two, under 32 MiB in all whatever the cores. Arrays lent to writes under way are theirs until the write ends.
    /// </summary>
    public const int PooledArraysPerSize = 2;

    /// <summary>Smallest first try: small objects get room for their whole bound at once.</summary>
    private const int MinOutputGuess = 64 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    // Compressing into an array sized for the worst case allocated a new zstd bound (the object's size and
    // 64 KiB more) on the large object heap at every flush, and copied the result out (docs/PERFORMANCE.md,
    // "Archive objects compress into lent arrays"). The pool never trims; PooledArraysPerSize bounds what it keeps.
    private static readonly ArrayPool<byte> OutputPool = ArrayPool<byte>.Create(PooledOutputMaxBytes, PooledArraysPerSize);

    /// <summary>
    /// Compresses NDJSON into one zstd frame. The first try is an array from the pool with an eighth more room than
    /// <paramref name="expectedRatio"/> of the input (rounded up to a power of two); an object that compresses
    /// worse than that array holds is compressed again into an array of zstd's bound, which costs up to twice the
    /// compression time, once for each writer whose content got less compressible, not at every flush: the writer
    /// passes its last object's ratio, and an object expected over <see cref="PooledOutputMaxBytes"/> (random or
    /// encoded payloads) goes to the bound-sized array at once.
    /// </summary>
    /// <param name="expectedRatio">Compressed over uncompressed bytes the caller expects, e.g. its last object's.</param>
    public static CompressedObject Compress(ReadOnlySpan<byte> ndjson, double expectedRatio = FirstRatio)
    {
        using var compressor = new Compressor(CompressionLevel);
        var bound = Compressor.GetCompressBound(ndjson.Length);
        var guess = Math.Min(bound, Math.Max(ndjson.Length * expectedRatio * 9 / 8, MinOutputGuess));
        if (guess <= PooledOutputMaxBytes)
        {
            var lent = OutputPool.Rent((int)guess);
            if (compressor.TryWrap(ndjson, lent, out var written))
            {
                return new CompressedObject(lent, written, OutputPool);
            }

            OutputPool.Return(lent);
        }

        var array = GC.AllocateUninitializedArray<byte>(bound);
        return new CompressedObject(array, compressor.Wrap(ndjson, array), lender: null);
    }

    /// <summary>Encodes events as a complete archive object.</summary>
    public static byte[] Encode(IEnumerable<NormalizedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        foreach (var normalized in events)
        {
            WriteLine(normalized, buffer, writer);
        }

        using var compressed = Compress(buffer.WrittenSpan);
        return compressed.Bytes.ToArray();
    }

    /// <summary>A writer for <see cref="WriteLine"/>, reused across events.</summary>
    public static Utf8JsonWriter CreateWriter(IBufferWriter<byte> output) => new(output, WriterOptions);

    /// <summary>Decompresses an archive object and reads its events back.</summary>
    /// <exception cref="InvalidDataException">The object is not zstd-compressed NDJSON of this schema.</exception>
    public static async Task<List<NormalizedEvent>> DecodeAsync(Stream compressed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        using var plain = new MemoryStream();
        try
        {
            await using (var zstd = new DecompressionStream(compressed, leaveOpen: true))
            {
                await zstd.CopyToAsync(plain, cancellationToken);
            }
        }
        catch (ZstdException e)
        {
            throw new InvalidDataException($"The archive object is not valid zstd: {e.Message}", e);
        }

        var events = new List<NormalizedEvent>();
        var rest = new ReadOnlySpan<byte>(plain.GetBuffer(), 0, (int)plain.Length);
        var line = 0;
        while (!rest.IsEmpty)
        {
            line++;
            var end = rest.IndexOf((byte)'\n');
            var json = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (!json.IsEmpty)
            {
                events.Add(ReadLine(json, line));
            }
        }

        return events;
    }

    public static string FormatName(SourceFormat format) => format switch
    {
        SourceFormat.Json => "json",
        SourceFormat.Syslog5424 => "syslog5424",
        SourceFormat.Syslog3164 => "syslog3164",
        SourceFormat.Cef => "cef",
        SourceFormat.Hec => "hec",
        SourceFormat.Otlp => "otlp",
        _ => "text",
    };

    private static SourceFormat ParseFormat(string? name) => name switch
    {
        "json" => SourceFormat.Json,
        "syslog5424" => SourceFormat.Syslog5424,
        "syslog3164" => SourceFormat.Syslog3164,
        "cef" => SourceFormat.Cef,
        "hec" => SourceFormat.Hec,
        "otlp" => SourceFormat.Otlp,
        _ => SourceFormat.Text,
    };

    private static NormalizedEvent ReadLine(ReadOnlySpan<byte> json, int line)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            string tenantId = string.Empty, eventId = string.Empty, body = string.Empty;
            string? severityText = null;
            DateTimeOffset ingest = default, observed = default;
            DateTimeOffset? timestamp = null;
            var severity = 0;
            var format = SourceFormat.Text;
            var late = false;
            var attributes = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            var resource = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "tenantId": tenantId = reader.GetString()!; break;
                    case "eventId": eventId = reader.GetString()!; break;
                    case "ingestTime": ingest = reader.GetDateTimeOffset(); break;
                    case "timestamp": timestamp = reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset(); break;
                    case "observedTime": observed = reader.GetDateTimeOffset(); break;
                    case "severityNumber": severity = reader.GetInt32(); break;
                    case "severityText": severityText = reader.GetString(); break;
                    case "body": body = reader.GetString()!; break;
                    case "format": format = ParseFormat(reader.GetString()); break;
                    case "late": late = reader.GetBoolean(); break;
                    case "attributes":
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var name = reader.GetString()!;
                            reader.Read();
                            attributes[name] = reader.TokenType switch
                            {
                                JsonTokenType.True => true,
                                JsonTokenType.False => false,
                                JsonTokenType.Number when reader.TryGetInt64(out var integer) => integer,
                                JsonTokenType.Number => reader.GetDouble(),
                                _ => reader.GetString()!,
                            };
                        }

                        break;
                    case "resource":
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var name = reader.GetString()!;
                            reader.Read();
                            resource[name] = reader.GetString()!;
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return new NormalizedEvent(tenantId, eventId, ingest, timestamp, observed, severity, severityText, body,
                attributes, resource, format, late);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"Archive line {line} is not a normalized event: {e.Message}", e);
        }
    }
}
