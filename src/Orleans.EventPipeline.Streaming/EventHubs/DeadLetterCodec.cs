using System.Buffers;
using System.Text.Json;
using Azure.Messaging.EventHubs;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Writes and reads <see cref="DeadLetterBatch"/> as one Event Hubs message whose body is JSON lines
/// (<c>{"index":3,"reason":"...","raw":"base64"}</c>, plus <c>"originalSize"</c> when raw holds only the
/// event's first bytes): dead letters are rare, so readability wins over bytes.
/// </summary>
public static class DeadLetterCodec
{
    public static EventData ToEventData(DeadLetterBatch batch, string? streamNamespace)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            foreach (var letter in batch.Letters)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", letter.Index);
                writer.WriteString("reason", letter.Reason);
                writer.WriteBase64String("raw", letter.Raw.Span);
                if (letter.OriginalSize is { } originalSize)
                {
                    writer.WriteNumber("originalSize", originalSize);
                }

                writer.WriteEndObject();
                writer.Flush();
                writer.Reset();
                buffer.Write("\n"u8);
            }
        }

        var data = new EventData(buffer.WrittenMemory);
        data.Properties[StreamMessageFormat.StreamNamespaceProperty] = streamNamespace!;
        data.Properties[StreamMessageFormat.FormatProperty] = StreamMessageFormat.DeadLetterFormat;
        data.Properties[StreamMessageFormat.TenantProperty] = batch.TenantId;
        data.Properties[StreamMessageFormat.BatchProperty] = batch.BatchId.ToString("N");
        data.Properties[StreamMessageFormat.IngestTimeProperty] = batch.IngestTime.ToUnixTimeMilliseconds();
        data.Properties[StreamMessageFormat.StageProperty] = batch.Stage;
        data.Properties[StreamMessageFormat.CountProperty] = batch.Letters.Count;
        if (batch.Source is { } source)
        {
            data.Properties[StreamMessageFormat.SourceStreamKeyProperty] = source.StreamKey;
            data.Properties[StreamMessageFormat.SourceSequenceProperty] = source.Sequence;
            data.Properties[StreamMessageFormat.SourcePartProperty] = source.Part;
        }

        return data;
    }

    public static DeadLetterBatch FromMessage(IDictionary<string, object> properties, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var letters = new List<DeadLetter>();
        var rest = body;
        while (!rest.IsEmpty)
        {
            var end = rest.Span.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (line.IsEmpty)
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            letters.Add(new DeadLetter(root.GetProperty("index").GetInt32(), root.GetProperty("reason").GetString()!, root.GetProperty("raw").GetBytesFromBase64())
            {
                OriginalSize = root.TryGetProperty("originalSize", out var originalSize) ? originalSize.GetInt32() : null,
            });
        }

        return new DeadLetterBatch(
            (string)properties[StreamMessageFormat.TenantProperty],
            Guid.ParseExact((string)properties[StreamMessageFormat.BatchProperty], "N"),
            DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(properties[StreamMessageFormat.IngestTimeProperty], System.Globalization.CultureInfo.InvariantCulture)),
            (string)properties[StreamMessageFormat.StageProperty],
            letters)
        {
            Source = properties.TryGetValue(StreamMessageFormat.SourceStreamKeyProperty, out var key)
                ? new DeadLetterSource(
                    (string)key,
                    Convert.ToInt64(properties[StreamMessageFormat.SourceSequenceProperty], System.Globalization.CultureInfo.InvariantCulture),
                    Convert.ToInt32(properties[StreamMessageFormat.SourcePartProperty], System.Globalization.CultureInfo.InvariantCulture))
                : null,
        };
    }
}
