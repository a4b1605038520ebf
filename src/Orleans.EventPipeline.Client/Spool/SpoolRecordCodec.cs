using System.Buffers.Binary;
using System.IO.Hashing;

namespace Orleans.EventPipeline.Client.Spool;

/// <summary>
/// One spool record: <c>i32 payload length | u64 XxHash3 of the payload | payload</c>, all little-endian. The
/// payload: <c>u8 version=1 | u8 flags (1 gzip, 2 text lines) | i64 sequence | 16 bytes idempotency key |
/// i32 event count | i32 checkpoint length | checkpoint JSON | i32 body length | body</c>. A record cut short
/// by a crash or changed on disk fails its length or checksum, and the spool ends there (docs/AGENT.md).
/// </summary>
internal static class SpoolRecordCodec
{
    public const int HeaderBytes = 12;
    private const byte Version = 1;
    private const byte GzipFlag = 1;
    private const byte TextFlag = 2;
    private const int FixedPayloadBytes = 1 + 1 + 8 + 16 + 4 + 4 + 4;

    public static byte[] Encode(SpooledBatch batch)
    {
        var payloadLength = FixedPayloadBytes + batch.Checkpoints.Length + batch.Body.Length;
        var record = new byte[HeaderBytes + payloadLength];
        var payload = record.AsSpan(HeaderBytes);
        payload[0] = Version;
        payload[1] = (byte)((batch.Gzip ? GzipFlag : 0) | (batch.ContentType == EventContentType.TextLines ? TextFlag : 0));
        BinaryPrimitives.WriteInt64LittleEndian(payload[2..], batch.Sequence);
        batch.IdempotencyKey.TryWriteBytes(payload[10..26]);
        BinaryPrimitives.WriteInt32LittleEndian(payload[26..], batch.EventCount);
        BinaryPrimitives.WriteInt32LittleEndian(payload[30..], batch.Checkpoints.Length);
        batch.Checkpoints.CopyTo(payload[34..]);
        var at = 34 + batch.Checkpoints.Length;
        BinaryPrimitives.WriteInt32LittleEndian(payload[at..], batch.Body.Length);
        batch.Body.CopyTo(payload[(at + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(record, payloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), XxHash3.HashToUInt64(payload));
        return record;
    }

    /// <summary>The length of the record at the start of <paramref name="bytes"/>, or why there is none there.</summary>
    public static bool TryMeasure(ReadOnlySpan<byte> bytes, out int recordLength, out string? problem)
    {
        recordLength = 0;
        if (bytes.Length < HeaderBytes)
        {
            problem = $"a record header cut short ({bytes.Length} of {HeaderBytes} bytes)";
            return false;
        }

        var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (payloadLength < FixedPayloadBytes)
        {
            problem = $"a record length of {payloadLength} bytes, less than a record's fixed {FixedPayloadBytes}";
            return false;
        }

        if (payloadLength > bytes.Length - HeaderBytes)
        {
            problem = $"a record of {payloadLength} bytes cut short after {bytes.Length - HeaderBytes}";
            return false;
        }

        if (XxHash3.HashToUInt64(bytes.Slice(HeaderBytes, payloadLength)) != BinaryPrimitives.ReadUInt64LittleEndian(bytes[4..]))
        {
            problem = "a record whose checksum does not match its bytes";
            return false;
        }

        recordLength = HeaderBytes + payloadLength;
        problem = null;
        return true;
    }

    /// <summary>Decodes a record <see cref="TryMeasure"/> accepted.</summary>
    public static SpooledBatch Decode(ReadOnlySpan<byte> record)
    {
        var payload = record[HeaderBytes..];
        if (payload[0] != Version)
        {
            throw new InvalidDataException($"Spool record version {payload[0]} is not {Version}: written by a newer client.");
        }

        var flags = payload[1];
        var checkpointLength = BinaryPrimitives.ReadInt32LittleEndian(payload[30..]);
        var at = 34 + checkpointLength;
        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        return new SpooledBatch(
            BinaryPrimitives.ReadInt64LittleEndian(payload[2..]),
            new Guid(payload[10..26]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[26..]),
            (flags & GzipFlag) != 0,
            (flags & TextFlag) != 0 ? EventContentType.TextLines : EventContentType.Ndjson,
            payload.Slice(34, checkpointLength).ToArray(),
            payload.Slice(at + 4, bodyLength).ToArray());
    }
}
