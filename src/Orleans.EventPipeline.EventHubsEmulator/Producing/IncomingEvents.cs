using Orleans.EventPipeline.EventHubsEmulator.Wire;

namespace Orleans.EventPipeline.EventHubsEmulator.Producing;

/// <summary>
/// Splits one received transfer into the events to store. A plain message (format 0) is one event,
/// kept whole. A batch envelope (format 0x80013700) carries each event as a complete encoded
/// message in its own Data section; those inner bytes are stored verbatim.
/// </summary>
internal static class IncomingEvents
{
    public const uint BatchMessageFormat = 0x80013700;

    private static ReadOnlySpan<byte> PartitionKeyAnnotation => "x-opt-partition-key"u8;

    /// <summary>Appends the (offset, length) of every event in <paramref name="message"/> to <paramref name="events"/>.</summary>
    public static void Split(ReadOnlySpan<byte> message, uint messageFormat, List<Range> events)
    {
        if (messageFormat != BatchMessageFormat)
        {
            events.Add(new Range(0, message.Length));
            return;
        }

        int position = 0;
        while (position < message.Length)
        {
            ReadOnlySpan<byte> section = message[position..];
            int size = AmqpWire.ValueSize(section);
            if (MessageSections.SectionCode(section) == MessageSections.Data)
            {
                int descriptor = MessageSections.DescriptorSize(section);
                ReadOnlySpan<byte> binary = section[descriptor..size];
                int headerBytes = binary[0] == AmqpWire.Vbin8 ? 2 : 5;
                int start = position + descriptor + headerBytes;
                events.Add(new Range(start, start + AmqpWire.VariableBytes(binary).Length));
            }

            position += size;
        }
    }

    /// <summary>The UTF-8 partition key from the message annotations; empty when the event is unkeyed.</summary>
    public static ReadOnlySpan<byte> PartitionKey(ReadOnlySpan<byte> message)
    {
        MessageSections sections = MessageSections.Parse(message);
        if (sections.MessageAnnotationsMap.IsEmpty)
        {
            return [];
        }

        ReadOnlySpan<byte> value = AmqpWire.FindBySymbol(sections.MessageAnnotationsMap, PartitionKeyAnnotation);
        return value.IsEmpty ? [] : AmqpWire.VariableBytes(value);
    }

    /// <summary>Walks every section of one event so that a malformed event is refused before anything is stored.</summary>
    public static void Validate(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            throw new FormatException("An event must hold at least one AMQP section.");
        }

        while (!message.IsEmpty)
        {
            _ = MessageSections.SectionCode(message);
            message = message[AmqpWire.ValueSize(message)..];
        }
    }
}
