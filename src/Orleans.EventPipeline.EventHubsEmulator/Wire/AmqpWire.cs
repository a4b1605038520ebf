using System.Buffers.Binary;

namespace Orleans.EventPipeline.EventHubsEmulator.Wire;

/// <summary>
/// Just enough of the AMQP 1.0 type system (spec part 1.6) to walk an encoded message without
/// decoding it: the size of any value follows from its format code's subcategory (the high nibble).
/// </summary>
internal static class AmqpWire
{
    public const byte Described = 0x00;
    public const byte Null = 0x40;
    public const byte SmallUlong = 0x53;
    public const byte Ulong = 0x80;
    public const byte Long = 0x81;
    public const byte Timestamp = 0x83;
    public const byte Str8 = 0xA1;
    public const byte Str32 = 0xB1;
    public const byte Sym8 = 0xA3;
    public const byte Sym32 = 0xB3;
    public const byte Vbin8 = 0xA0;
    public const byte Vbin32 = 0xB0;
    public const byte Map8 = 0xC1;
    public const byte Map32 = 0xD1;

    /// <summary>Total encoded size (format code included) of the value at the start of <paramref name="data"/>.</summary>
    public static int ValueSize(ReadOnlySpan<byte> data)
    {
        byte code = data[0];
        if (code == Described)
        {
            int descriptor = ValueSize(data[1..]);
            return 1 + descriptor + ValueSize(data[(1 + descriptor)..]);
        }

        return (code >> 4) switch
        {
            0x4 => 1,
            0x5 => 2,
            0x6 => 3,
            0x7 => 5,
            0x8 => 9,
            0x9 => 17,
            0xA or 0xC or 0xE => 2 + data[1],
            0xB or 0xD or 0xF => checked(5 + (int)BinaryPrimitives.ReadUInt32BigEndian(data[1..])),
            _ => throw new FormatException($"Invalid AMQP format code 0x{code:X2}."),
        };
    }

    /// <summary>The bytes of a string, symbol or binary value; empty for null.</summary>
    public static ReadOnlySpan<byte> VariableBytes(ReadOnlySpan<byte> value)
    {
        return value[0] switch
        {
            Null => [],
            Str8 or Sym8 or Vbin8 => value.Slice(2, value[1]),
            Str32 or Sym32 or Vbin32 => value.Slice(5, checked((int)BinaryPrimitives.ReadUInt32BigEndian(value[1..]))),
            _ => throw new FormatException($"AMQP format code 0x{value[0]:X2} is not a string, symbol or binary."),
        };
    }

    /// <summary>Walks the key/value pairs of an encoded map; returns false when <paramref name="map"/> is not a map.</summary>
    public static bool TryGetMapBody(ReadOnlySpan<byte> map, out ReadOnlySpan<byte> body, out int count)
    {
        switch (map.IsEmpty ? AmqpWire.Null : map[0])
        {
            case Map8:
                count = map[2];
                body = map.Slice(3, map[1] - 1);
                return true;
            case Map32:
                count = checked((int)BinaryPrimitives.ReadUInt32BigEndian(map[5..]));
                body = map.Slice(9, checked((int)BinaryPrimitives.ReadUInt32BigEndian(map[1..]) - 4));
                return true;
            default:
                body = default;
                count = 0;
                return false;
        }
    }

    /// <summary>The value stored under symbol <paramref name="key"/> in an encoded map, or an empty span.</summary>
    public static ReadOnlySpan<byte> FindBySymbol(ReadOnlySpan<byte> map, ReadOnlySpan<byte> key)
    {
        if (!TryGetMapBody(map, out ReadOnlySpan<byte> body, out int count))
        {
            return [];
        }

        for (int i = 0; i + 1 < count; i += 2)
        {
            int keySize = ValueSize(body);
            ReadOnlySpan<byte> keyValue = body[..keySize];
            body = body[keySize..];
            int valueSize = ValueSize(body);
            if ((keyValue[0] is Sym8 or Sym32 or Str8 or Str32) && VariableBytes(keyValue).SequenceEqual(key))
            {
                return body[..valueSize];
            }

            body = body[valueSize..];
        }

        return [];
    }
}
