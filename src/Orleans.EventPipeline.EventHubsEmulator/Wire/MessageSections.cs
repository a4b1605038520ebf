using System.Buffers.Binary;

namespace Orleans.EventPipeline.EventHubsEmulator.Wire;

/// <summary>
/// Where each section of one encoded AMQP message sits (spec part 3.2). Sections are described
/// values whose descriptor is a small ulong: 0x70 header, 0x71 delivery annotations,
/// 0x72 message annotations, 0x73 properties, 0x74 application properties, 0x75 data,
/// 0x76 sequence, 0x77 value, 0x78 footer.
/// </summary>
internal readonly ref struct MessageSections
{
    public const ulong Header = 0x70;
    public const ulong DeliveryAnnotations = 0x71;
    public const ulong MessageAnnotations = 0x72;
    public const ulong Data = 0x75;

    /// <summary>The header section (whole, descriptor included); empty when absent.</summary>
    public ReadOnlySpan<byte> HeaderSection { get; init; }

    /// <summary>The message-annotations map value (after the descriptor); empty when absent.</summary>
    public ReadOnlySpan<byte> MessageAnnotationsMap { get; init; }

    /// <summary>Everything after the annotations (properties, application properties, body, footer), verbatim.</summary>
    public ReadOnlySpan<byte> Rest { get; init; }

    public static MessageSections Parse(ReadOnlySpan<byte> message)
    {
        ReadOnlySpan<byte> header = [];
        ReadOnlySpan<byte> annotations = [];
        while (!message.IsEmpty)
        {
            int size = AmqpWire.ValueSize(message);
            ulong code = SectionCode(message);
            if (code == Header)
            {
                header = message[..size];
            }
            else if (code == MessageAnnotations)
            {
                annotations = message[DescriptorSize(message)..size];
            }
            else if (code != DeliveryAnnotations)
            {
                break;
            }

            message = message[size..];
        }

        return new MessageSections { HeaderSection = header, MessageAnnotationsMap = annotations, Rest = message };
    }

    /// <summary>The section code of the described value at the start of <paramref name="section"/>.</summary>
    public static ulong SectionCode(ReadOnlySpan<byte> section)
    {
        if (section[0] != AmqpWire.Described)
        {
            throw new FormatException("An AMQP message section must be a described value.");
        }

        return section[1] switch
        {
            AmqpWire.SmallUlong => section[2],
            AmqpWire.Ulong => BinaryPrimitives.ReadUInt64BigEndian(section[2..]),
            _ => throw new FormatException($"Unsupported section descriptor 0x{section[1]:X2}."),
        };
    }

    public static int DescriptorSize(ReadOnlySpan<byte> section) => 1 + AmqpWire.ValueSize(section[1..]);
}
