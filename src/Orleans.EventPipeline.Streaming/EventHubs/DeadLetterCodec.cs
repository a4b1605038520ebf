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
    /// <summary>
    /// Longest reason kept, in characters. A parser that quotes the value it could not read would
    /// otherwise put a 250 KB timestamp into the reason; 1,000 characters name the problem.
    /// </summary>
    public const int MaxReasonChars = 1_000;

    /// <summary>Raw bytes kept of one letter, 512 KiB: its base64 (683 KiB) still fits a message.</summary>
    public const int MaxRawBytes = 512 * 1024;

    /// <summary>
    /// Body bytes of one dead-letter message, 900 KiB: Event Hubs refuses a message over 1,048,576 bytes
    /// with its properties and AMQP framing, and the properties of a dead-letter message (tenant, batch,
    /// stage, source) are a few hundred bytes.
    /// </summary>
    public const int MaxBodyBytes = 900 * 1024;

    // {"index":,"reason":"","raw":""}\n is 32 bytes; ,"originalSize": is 16; an int has at most 11 characters.
    private const int FixedLineBytes = 32;
    private const int OriginalSizeBytes = 16;

    /// <summary>
    /// <paramref name="letters"/>, each bounded (<see cref="Bounded"/>), in parts whose bodies are at most
    /// <see cref="MaxBodyBytes"/>: so no letter can make its stream write fail, and with it, forever, the
    /// delivery or the request that sends it.
    /// </summary>
    public static IEnumerable<IReadOnlyList<DeadLetter>> Chunks(IReadOnlyList<DeadLetter> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        var bounded = letters.Any(static l => l.Reason.Length > MaxReasonChars || l.Raw.Length > MaxRawBytes)
            ? letters.Select(Bounded).ToArray()
            : letters;
        foreach (var range in MessageChunks.Cut(bounded, MaxLineBytes, MaxBodyBytes))
        {
            var (offset, length) = range.GetOffsetAndLength(bounded.Count);
            yield return offset == 0 && length == bounded.Count ? bounded : bounded.Skip(offset).Take(length).ToArray();
        }
    }

    /// <summary>The letter with its reason and raw bytes cut to the bounds above; the original size is kept when raw is cut.</summary>
    public static DeadLetter Bounded(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        if (letter.Reason.Length <= MaxReasonChars && letter.Raw.Length <= MaxRawBytes)
        {
            return letter;
        }

        return letter with
        {
            Reason = letter.Reason.Length <= MaxReasonChars ? letter.Reason : string.Concat(letter.Reason.AsSpan(0, ReasonCut(letter.Reason)), "…"),
            Raw = letter.Raw.Length <= MaxRawBytes ? letter.Raw : letter.Raw[..MaxRawBytes],
            OriginalSize = letter.Raw.Length <= MaxRawBytes ? letter.OriginalSize : letter.OriginalSize ?? letter.Raw.Length,
        };
    }

    /// <summary>Where a long reason is cut: at <see cref="MaxReasonChars"/>, or one before when that would split a surrogate pair (JSON cannot carry half of one).</summary>
    private static int ReasonCut(string reason) =>
        char.IsHighSurrogate(reason[MaxReasonChars - 1]) ? MaxReasonChars - 1 : MaxReasonChars;

    /// <summary>
    /// The most bytes <see cref="ToEventData"/> writes for <paramref name="letter"/>'s line: exact but for the
    /// reason, counted at 6 bytes a character (the writer escapes every non-ASCII character as \uXXXX).
    /// </summary>
    public static long MaxLineBytes(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return FixedLineBytes
            + Digits(letter.Index)
            + (letter.Reason.Length * 6L)
            + ((letter.Raw.Length + 2L) / 3 * 4)
            + (letter.OriginalSize is { } size ? OriginalSizeBytes + Digits(size) : 0);
    }

    private static int Digits(int value)
    {
        var digits = value < 0 ? 2 : 1;
        for (var rest = Math.Abs((long)value); rest >= 10; rest /= 10)
        {
            digits++;
        }

        return digits;
    }

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
        if (batch.Keyed)
        {
            // The dead-letter grain counts a keyed request's letters once per batch id only when it knows they are keyed.
            data.Properties[StreamMessageFormat.KeyedProperty] = true;
        }

        if (batch.Source is { } source)
        {
            data.Properties[StreamMessageFormat.SourceStreamKeyProperty] = source.StreamKey;
            data.Properties[StreamMessageFormat.SourceSequenceProperty] = source.Sequence;
            data.Properties[StreamMessageFormat.SourcePartProperty] = source.Part;
        }

        if (batch.DataGeneration is { } generation)
        {
            data.Properties[StreamMessageFormat.DataGenerationProperty] = generation.ToString("N");
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
            Keyed = properties.TryGetValue(StreamMessageFormat.KeyedProperty, out var keyed) && keyed is true,
            DataGeneration = StreamMessageFormat.ReadDataGeneration(properties),
        };
    }
}
