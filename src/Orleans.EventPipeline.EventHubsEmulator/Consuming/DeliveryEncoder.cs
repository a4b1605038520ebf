using System.Buffers.Binary;
using System.Globalization;
using Orleans.EventPipeline.EventHubsEmulator.Wire;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Consuming;

/// <summary>
/// Turns a stored event (the publisher's encoded message, verbatim) into the bytes delivered to a
/// consumer by splicing: header as stored, new delivery annotations (runtime metrics), message
/// annotations = the publisher's pairs plus the broker's three, then everything else as stored.
/// Nothing is decoded into objects, so application properties and the body pass through untouched.
/// </summary>
internal static class DeliveryEncoder
{
    private static ReadOnlySpan<byte> SequenceNumberKey => "x-opt-sequence-number"u8;
    private static ReadOnlySpan<byte> OffsetKey => "x-opt-offset"u8;
    private static ReadOnlySpan<byte> EnqueuedTimeKey => "x-opt-enqueued-time"u8;
    private static ReadOnlySpan<byte> LastSequenceNumberKey => "last_enqueued_sequence_number"u8;
    private static ReadOnlySpan<byte> LastOffsetKey => "last_enqueued_offset"u8;
    private static ReadOnlySpan<byte> LastEnqueuedTimeKey => "last_enqueued_time_utc"u8;
    private static ReadOnlySpan<byte> RetrievalTimeKey => "runtime_info_retrieval_time_utc"u8;

    // Worst case for what is added: 2 described map32 headers (3 + 9 bytes each), 7 symbol keys
    // (2 + at most 31 bytes) and 7 values (at most 2 + 20 decimal digits).
    private const int MaxAddedBytes = (2 * 12) + (7 * 33) + (7 * 22);

    /// <summary>
    /// The delivery bytes of the record stored as <paramref name="payload"/>: the start of the returned array, sized for
    /// the worst case and not trimmed. The log's read calls it (<see cref="RecordCopy"/>), so the stored bytes are
    /// copied once, here, wherever the read finds them.
    /// </summary>
    public static ReadOnlyMemory<byte> Encode(long sequenceNumber, long offset, DateTimeOffset enqueuedTime, ReadOnlySpan<byte> payload, PartitionLogInfo? metrics, DateTimeOffset now)
    {
        MessageSections sections = MessageSections.Parse(payload);
        byte[] output = new byte[payload.Length + MaxAddedBytes];
        var writer = new SpanWriter(output);

        writer.Write(sections.HeaderSection);
        if (metrics is { } info)
        {
            int mapStart = writer.BeginDescribedMap(MessageSections.DeliveryAnnotations);
            writer.WriteSymbol(LastSequenceNumberKey);
            writer.WriteLong(info.LastSequenceNumber);
            writer.WriteSymbol(LastOffsetKey);
            writer.WriteDecimalString(info.LastOffset);
            writer.WriteSymbol(LastEnqueuedTimeKey);
            writer.WriteTimestamp(info.LastEnqueuedTime);
            writer.WriteSymbol(RetrievalTimeKey);
            writer.WriteTimestamp(now);
            writer.EndMap(mapStart, pairCount: 4);
        }

        int annotationsStart = writer.BeginDescribedMap(MessageSections.MessageAnnotations);
        int publisherPairs = 0;
        if (AmqpWire.TryGetMapBody(sections.MessageAnnotationsMap, out ReadOnlySpan<byte> publisherBody, out int count))
        {
            writer.Write(publisherBody);
            publisherPairs = count / 2;
        }

        writer.WriteSymbol(SequenceNumberKey);
        writer.WriteLong(sequenceNumber);
        writer.WriteSymbol(OffsetKey);
        writer.WriteDecimalString(offset);
        writer.WriteSymbol(EnqueuedTimeKey);
        writer.WriteTimestamp(enqueuedTime);
        writer.EndMap(annotationsStart, publisherPairs + 3);

        writer.Write(sections.Rest);
        return output.AsMemory(0, writer.Position);
    }

    private ref struct SpanWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Position { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_buffer[Position..]);
            Position += bytes.Length;
        }

        /// <summary>Writes the section descriptor and a map32 header; returns where the size field starts.</summary>
        public int BeginDescribedMap(ulong sectionCode)
        {
            _buffer[Position++] = AmqpWire.Described;
            _buffer[Position++] = AmqpWire.SmallUlong;
            _buffer[Position++] = (byte)sectionCode;
            _buffer[Position++] = AmqpWire.Map32;
            int sizeAt = Position;
            Position += 8;
            return sizeAt;
        }

        public readonly void EndMap(int sizeAt, int pairCount)
        {
            // map32 size counts the 4-byte count field and the body, not itself.
            int size = Position - sizeAt - 4;
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[sizeAt..], (uint)size);
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[(sizeAt + 4)..], (uint)(pairCount * 2));
        }

        public void WriteSymbol(ReadOnlySpan<byte> ascii)
        {
            _buffer[Position++] = AmqpWire.Sym8;
            _buffer[Position++] = (byte)ascii.Length;
            Write(ascii);
        }

        public void WriteLong(long value)
        {
            _buffer[Position++] = AmqpWire.Long;
            BinaryPrimitives.WriteInt64BigEndian(_buffer[Position..], value);
            Position += 8;
        }

        public void WriteTimestamp(DateTimeOffset value)
        {
            _buffer[Position++] = AmqpWire.Timestamp;
            BinaryPrimitives.WriteInt64BigEndian(_buffer[Position..], value.ToUnixTimeMilliseconds());
            Position += 8;
        }

        public void WriteDecimalString(long value)
        {
            _buffer[Position++] = AmqpWire.Str8;
            int lengthAt = Position++;
            value.TryFormat(_buffer[Position..], out int written, default, CultureInfo.InvariantCulture);
            _buffer[lengthAt] = (byte)written;
            Position += written;
        }
    }
}
