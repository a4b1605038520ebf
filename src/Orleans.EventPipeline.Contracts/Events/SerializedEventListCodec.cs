using System.Buffers;
using Orleans.Serialization;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Orleans.EventPipeline.Events;

/// <summary>
/// Writes a <see cref="SerializedEventList"/> as its count and each event's bytes as Orleans serialized that
/// event alone: an entry held serialized goes in as it is, a parsed one is serialized alone first. Reads every
/// event back parsed, so a subscriber gets the list with no entry left to parse. Each entry is a value field of
/// its own, as Orleans' skipping of an unknown field counts it.
/// </summary>
[RegisterSerializer]
public sealed class SerializedEventListCodec(Serializer<NormalizedEvent> serializer) : IFieldCodec<SerializedEventList>
{
    /// <summary>A thread's scratch buffer above this is let go after use: a 1 MB event must not stay resident per thread.</summary>
    private const int ScratchKeepBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, SerializedEventList? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value))
        {
            return;
        }

        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(SerializedEventList), WireType.TagDelimited);
        UInt32Codec.WriteField(ref writer, 0, (uint)value!.Count);
        for (var i = 0; i < value.Count; i++)
        {
            var delta = i == 0 ? 1u : 0u;
            if (value.SerializedAt(i) is { } bytes)
            {
                WriteBytes(ref writer, delta, bytes.Span);
                continue;
            }

            // Taken while in use: a nested write on this thread gets a buffer of its own, never this one.
            var scratch = t_scratch ?? new ArrayBufferWriter<byte>();
            t_scratch = null;
            try
            {
                serializer.Serialize(value[i], scratch);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                throw new UnserializableEventException(i, exception);
            }

            WriteBytes(ref writer, delta, scratch.WrittenSpan);
            scratch.ResetWrittenCount();
            if (scratch.Capacity <= ScratchKeepBytes)
            {
                t_scratch = scratch;
            }
        }

        writer.WriteEndObject();
    }

    public SerializedEventList ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference)
        {
            return ReferenceCodec.ReadReference<SerializedEventList, TInput>(ref reader, field)!;
        }

        field.EnsureWireTypeTagDelimited();
        var placeholder = ReferenceCodec.CreateRecordPlaceholder(reader.Session);
        EventEntry[]? entries = null;
        var read = 0;
        uint fieldId = 0;
        while (true)
        {
            var header = reader.ReadFieldHeader();
            if (header.IsEndBaseOrEndObject)
            {
                break;
            }

            fieldId += header.FieldIdDelta;
            switch (fieldId)
            {
                case 0 when entries is null:
                    var count = UInt32Codec.ReadValue(ref reader, header);
                    // Each entry takes at least a byte: a count beyond what is left is a corrupt message, not an allocation.
                    reader.EnsureAvailable(count);
                    entries = new EventEntry[count];
                    break;
                case 1:
                    if (entries is null || read == entries.Length)
                    {
                        throw new RequiredFieldMissingException($"A serialized event list holds more events than its count ({entries?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}).");
                    }

                    entries[read++] = EventEntry.Of(ReadEvent(ref reader, header));
                    break;
                default:
                    reader.ConsumeUnknownField(header);
                    break;
            }
        }

        if (entries is null || read != entries.Length)
        {
            throw new RequiredFieldMissingException($"A serialized event list holds {read} events of the {entries?.Length ?? 0} its count says.");
        }

        var result = new SerializedEventList(entries, serializer);
        ReferenceCodec.RecordObject(reader.Session, result, placeholder);
        return result;
    }

    private static void WriteBytes<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, ReadOnlySpan<byte> bytes)
        where TBufferWriter : IBufferWriter<byte>
    {
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteFieldHeader(fieldIdDelta, typeof(byte[]), typeof(byte[]), WireType.LengthPrefixed);
        writer.WriteVarUInt32((uint)bytes.Length);
        writer.Write(bytes);
    }

    private NormalizedEvent ReadEvent<TInput>(ref Reader<TInput> reader, Field header)
    {
        ReferenceCodec.MarkValueField(reader.Session);
        header.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        reader.EnsureAvailable(length);
        if (length > int.MaxValue)
        {
            throw new RequiredFieldMissingException($"A serialized event of {length} bytes is over what a message holds.");
        }

        // Read in place when the input is contiguous there (the derived cache's segments are); copied otherwise.
        byte[]? rented = null;
        if (!reader.TryReadBytes((int)length, out var bytes))
        {
            rented = ArrayPool<byte>.Shared.Rent((int)length);
            reader.ReadBytes(rented.AsSpan(0, (int)length));
            bytes = rented.AsSpan(0, (int)length);
        }

        try
        {
            return serializer.Deserialize(bytes)
                ?? throw new RequiredFieldMissingException("A serialized event list holds an event that reads as null.");
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
