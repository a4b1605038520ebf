using System.Buffers.Binary;
using System.IO.Hashing;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Format;

/// <summary>
/// The fixed 48-byte header in front of every record's payload. All integers are little-endian.
/// <code>
///  byte 0        4        6        8                16       20       24               32               40               48
///       +--------+--------+--------+----------------+--------+--------+----------------+----------------+----------------+-----------
///       | magic  |version |hdr size|   checksum     | length | flags  | sequence number|     offset     | enqueued (ms)  | payload...
///       | "EHLR" | u16=1  | u16=48 | u64 XxHash3    |  i32   | u32=0  |      i64       |      i64       |      i64       | length bytes
///       +--------+--------+--------+----------------+--------+--------+----------------+----------------+----------------+-----------
/// </code>
/// The checksum is XxHash3 over bytes 16..end-of-payload, seeded with bytes 0..8, so a change to
/// any header field or payload byte fails verification.
/// </summary>
internal readonly record struct RecordHeader(int PayloadLength, long SequenceNumber, long Offset, long EnqueuedTimeMs, ulong Checksum)
{
    public const int Size = 48;

    public const ushort FormatVersion = 1;

    /// <summary>"EHLR" read as a little-endian u32.</summary>
    public const uint Magic = 0x524C4845;

    /// <summary>Format limit on one payload (256 MiB); the configurable limit is far lower.</summary>
    public const int MaxPayloadLength = 256 * 1024 * 1024;

    private const int ChecksumStart = 16;

    public int RecordLength => Size + PayloadLength;

    /// <summary>Writes header and payload into <paramref name="destination"/> (at least Size + payload bytes).</summary>
    public static void Write(Span<byte> destination, long sequenceNumber, long offset, long enqueuedTimeMs, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], Size);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], sequenceNumber);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(destination[40..], enqueuedTimeMs);
        payload.CopyTo(destination[Size..]);
        var checksum = ComputeChecksum(destination[..(Size + payload.Length)]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], checksum);
    }

    /// <summary>
    /// Parses a header, checking only what can be checked without the payload: magic, version,
    /// header size, flags and a non-negative length within the format limit.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out RecordHeader header)
    {
        header = default;
        if (source.Length < Size
            || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic
            || BinaryPrimitives.ReadUInt16LittleEndian(source[4..]) != FormatVersion
            || BinaryPrimitives.ReadUInt16LittleEndian(source[6..]) != Size
            || BinaryPrimitives.ReadUInt32LittleEndian(source[20..]) != 0)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(source[16..]);
        if (length is < 0 or > MaxPayloadLength)
        {
            return false;
        }

        header = new RecordHeader(
            length,
            BinaryPrimitives.ReadInt64LittleEndian(source[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
        return true;
    }

    /// <summary>True when <paramref name="record"/> (header + payload) matches this header's checksum.</summary>
    public bool HasValidChecksum(ReadOnlySpan<byte> record) => ComputeChecksum(record) == Checksum;

    private static ulong ComputeChecksum(ReadOnlySpan<byte> record)
    {
        var seed = BinaryPrimitives.ReadInt64LittleEndian(record);
        return XxHash3.HashToUInt64(record[ChecksumStart..], seed);
    }
}
