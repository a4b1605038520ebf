using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Azure.Messaging.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Providers.Streams.Common;

namespace Orleans.EventPipeline.Streaming.Quarantine;

/// <summary>
/// How a quarantined message sits in Orleans' receiver cache: offset (first, where Orleans reads the
/// checkpoint offset from), partition key, reason, properties as JSON, body size, then the body.
/// Nothing here goes through Orleans' serializer, so any message fits, whatever its property types.
/// </summary>
internal static class QuarantineSegment
{
    /// <summary>
    /// Bytes of one block of Orleans' Event Hubs receiver cache (<c>EventHubQueueCacheFactory</c> allocates
    /// 1,048,576-byte blocks and throws for a message that does not fit one, losing the whole read).
    /// </summary>
    public const int CacheBlockBytes = 1024 * 1024;

    // A reason is a sentence naming the problem; an exception message quoting content is cut here.
    private const int MaxReasonChars = 1000;

    // Properties larger than this (of a 1 MiB block) are replaced by a note so the body keeps its room.
    private const int MaxPropertiesBytes = 64 * 1024;

    // The body's size on the hub, a 4-byte length-prefixed int.
    private const int SizeFieldBytes = 4 + sizeof(int);

    private static readonly IReadOnlyDictionary<string, string?> NoProperties = new Dictionary<string, string?>();

    public static ArraySegment<byte> Encode(EventData message, string reason, Func<int, ArraySegment<byte>> getSegment)
    {
        var offset = message.OffsetString;
        var partitionKey = message.PartitionKey;
        var cutReason = reason.Length > MaxReasonChars ? reason[..MaxReasonChars] : reason;
        var properties = RenderProperties(message.Properties);
        var body = message.Body.Span;
        var fixedSize = SegmentBuilder.CalculateAppendSize(offset) + SegmentBuilder.CalculateAppendSize(partitionKey) +
            SegmentBuilder.CalculateAppendSize(cutReason) + SegmentBuilder.CalculateAppendSize(properties) + SizeFieldBytes;
        // The body keeps what is left of one block after its own 4-byte length.
        var kept = Math.Min(body.Length, CacheBlockBytes - fixedSize - 4);
        var segment = getSegment(fixedSize + SegmentBuilder.CalculateAppendSize(body[..kept]));
        Span<byte> size = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(size, body.Length);
        var at = 0;
        SegmentBuilder.Append(segment, ref at, offset);
        SegmentBuilder.Append(segment, ref at, partitionKey);
        SegmentBuilder.Append(segment, ref at, cutReason);
        SegmentBuilder.Append(segment, ref at, properties);
        SegmentBuilder.Append(segment, ref at, size);
        SegmentBuilder.Append(segment, ref at, body[..kept]);
        return segment;
    }

    public static QuarantinedMessage Decode(in CachedMessage cached, string partition)
    {
        var at = 0;
        var offset = SegmentBuilder.ReadNextString(cached.Segment, ref at) ?? string.Empty;
        var partitionKey = SegmentBuilder.ReadNextString(cached.Segment, ref at);
        var reason = SegmentBuilder.ReadNextString(cached.Segment, ref at) ?? string.Empty;
        var propertiesJson = SegmentBuilder.ReadNextBytes(cached.Segment, ref at);
        var size = BinaryPrimitives.ReadInt32LittleEndian(SegmentBuilder.ReadNextBytes(cached.Segment, ref at));
        var body = SegmentBuilder.ReadNextBytes(cached.Segment, ref at).ToArray();
        var properties = propertiesJson.Count == 0
            ? NoProperties
            : JsonSerializer.Deserialize<Dictionary<string, string?>>(propertiesJson.AsSpan()) ?? NoProperties;
        return new QuarantinedMessage(
            partition,
            offset,
            cached.SequenceNumber,
            new DateTimeOffset(DateTime.SpecifyKind(cached.EnqueueTimeUtc, DateTimeKind.Utc)),
            partitionKey,
            properties,
            reason,
            size,
            body);
    }

    /// <summary>Application properties as a JSON object of text values; never throws, whatever the value types.</summary>
    private static byte[] RenderProperties(IDictionary<string, object> properties)
    {
        if (properties.Count == 0)
        {
            return [];
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in properties)
            {
                writer.WriteString(name, Render(value));
            }

            writer.WriteEndObject();
        }

        if (buffer.WrittenCount <= MaxPropertiesBytes)
        {
            return buffer.WrittenSpan.ToArray();
        }

        var note = new Dictionary<string, string?> { ["ep-quarantine-note"] = $"{properties.Count} properties of {buffer.WrittenCount} bytes were not kept (over {MaxPropertiesBytes}); read them from the hub" };
        return JsonSerializer.SerializeToUtf8Bytes(note);
    }

    private static string? Render(object? value)
    {
        try
        {
            return value switch
            {
                null => null,
                string text => text,
                byte[] bytes => Convert.ToBase64String(bytes),
                ArraySegment<byte> bytes => Convert.ToBase64String(bytes),
                ReadOnlyMemory<byte> bytes => Convert.ToBase64String(bytes.Span),
                DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
                DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
        }
        catch (Exception exception)
        {
            // A value whose own ToString throws is still named, with why it could not be shown.
            return $"<{value!.GetType().FullName}: {exception.Message}>";
        }
    }
}
