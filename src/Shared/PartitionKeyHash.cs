using System.Buffers.Binary;

namespace Orleans.EventPipeline.EventHubs;

/// <summary>
/// Places a partition key the way the Event Hubs service does (and the SDK's buffered producer
/// predicts): Bob Jenkins' lookup3 "hashlittle2" over the key's UTF-8 bytes with both seeds 0,
/// folded to 16 bits as <c>(short)(c ^ b)</c>, then <c>|h % n|</c>.
/// The wire already carries the key as UTF-8, so routing hashes those bytes without decoding them.
/// Shared source: the emulator routes by it, the stream provider checks and holds partitions by it.
/// </summary>
internal static class PartitionKeyHash
{
    public static int PartitionIndex(ReadOnlySpan<byte> utf8Key, int partitionCount)
    {
        short folded = Fold(utf8Key);
        return Math.Abs(folded % partitionCount);
    }

    internal static short Fold(ReadOnlySpan<byte> data)
    {
        Lookup3(data, out uint c, out uint b);
        return unchecked((short)(c ^ b));
    }

    private static void Lookup3(ReadOnlySpan<byte> data, out uint c, out uint b)
    {
        uint a = 0xDEADBEEF + (uint)data.Length;
        b = a;
        c = a;

        // Whole 12-byte blocks, but always keep the last 1..12 bytes for the tail step.
        while (data.Length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(data);
            b += BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
            Mix(ref a, ref b, ref c);
            data = data[12..];
        }

        if (data.IsEmpty)
        {
            return;
        }

        Span<byte> tail = stackalloc byte[12];
        tail.Clear();
        data.CopyTo(tail);
        a += BinaryPrimitives.ReadUInt32LittleEndian(tail);
        b += BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        c += BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]);
        Final(ref a, ref b, ref c);
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= uint.RotateLeft(c, 4); c += b;
        b -= a; b ^= uint.RotateLeft(a, 6); a += c;
        c -= b; c ^= uint.RotateLeft(b, 8); b += a;
        a -= c; a ^= uint.RotateLeft(c, 16); c += b;
        b -= a; b ^= uint.RotateLeft(a, 19); a += c;
        c -= b; c ^= uint.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= uint.RotateLeft(b, 14);
        a ^= c; a -= uint.RotateLeft(c, 11);
        b ^= a; b -= uint.RotateLeft(a, 25);
        c ^= b; c -= uint.RotateLeft(b, 16);
        a ^= c; a -= uint.RotateLeft(c, 4);
        b ^= a; b -= uint.RotateLeft(a, 14);
        c ^= b; c -= uint.RotateLeft(b, 24);
    }
}
