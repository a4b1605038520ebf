using System.Buffers.Binary;
using System.IO.Hashing;

namespace Orleans.EventPipeline.Client.Spool;

/// <summary>
/// One spool record: <c>i32 payload length | u64 XxHash3 of the payload | payload</c>, all little-endian. The
/// payload: <c>u8 version=1 | u8 flags (1 gzip, 2 text lines) | i64 sequence | 16 bytes idempotency key |
/// i32 event count | i32 checkpoint length | checkpoint JSON | i32 body length | body</c>. A record cut short
/// by a crash or changed on disk fails its length or checksum; <see cref="Scan"/> finds the intact records after it
/// (docs/AGENT.md).
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

    /// <summary>
    /// A segment as its parts, in order: each an intact record (<c>Problem</c> null) or a damaged range that runs to the
    /// next intact record or to the end. One changed byte costs only the record holding it, not the rest of the segment.
    /// </summary>
    public static List<(int Offset, int Length, string? Problem)> Scan(ReadOnlySpan<byte> segment)
    {
        var parts = new List<(int Offset, int Length, string? Problem)>();
        var offset = 0;
        while (offset < segment.Length)
        {
            if (TryMeasure(segment[offset..], out var length, out var problem))
            {
                parts.Add((offset, length, null));
                offset += length;
                continue;
            }

            var end = FindNext(segment, offset) ?? segment.Length;
            parts.Add((offset, end - offset, problem));
            offset = end;
        }

        return parts;
    }

    /// <summary>Sequence and event count from a damaged record's header, when it still looks like one: not verified.</summary>
    public static bool TryReadUnverified(ReadOnlySpan<byte> damaged, out long sequence, out int eventCount)
    {
        sequence = 0;
        eventCount = 0;
        if (damaged.Length < HeaderBytes + FixedPayloadBytes || damaged[HeaderBytes] != Version)
        {
            return false;
        }

        sequence = BinaryPrimitives.ReadInt64LittleEndian(damaged[(HeaderBytes + 2)..]);
        eventCount = BinaryPrimitives.ReadInt32LittleEndian(damaged[(HeaderBytes + 26)..]);
        return true;
    }

    /// <summary>Where the first intact record after the damaged one at <paramref name="damaged"/> starts, or null.</summary>
    private static int? FindNext(ReadOnlySpan<byte> segment, int damaged)
    {
        // The damaged record's own length first: a changed byte in its payload or checksum leaves the framing intact.
        if (segment.Length - damaged >= HeaderBytes)
        {
            var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(segment[damaged..]);
            var candidate = damaged + HeaderBytes + payloadLength;
            if (payloadLength >= FixedPayloadBytes && payloadLength <= segment.Length - damaged - HeaderBytes
                && TryMeasure(segment[candidate..], out _, out _))
            {
                return candidate;
            }
        }

        // A changed length: byte by byte. A record has version 1 right after its 12-byte header, so the 64-bit checksum
        // is computed only at about 1 in 256 places whose length also fits; a false match is 1 in 2^64.
        for (var at = damaged + 1; at + HeaderBytes + FixedPayloadBytes <= segment.Length; at++)
        {
            if (segment[at + HeaderBytes] == Version && TryMeasure(segment[at..], out _, out _))
            {
                return at;
            }
        }

        return null;
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
