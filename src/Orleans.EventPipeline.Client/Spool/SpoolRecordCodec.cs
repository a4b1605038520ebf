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
    /// <paramref name="firstSequence"/> is the segment's first batch (its name): a record found after damage must come later.
    /// <paramref name="checksums"/> is how many checksums the searches after damage computed, each over a candidate's
    /// length: what a damaged segment costs to open beyond reading it once.
    /// </summary>
    public static List<(int Offset, int Length, string? Problem)> Scan(ReadOnlySpan<byte> segment, long firstSequence, out int checksums)
    {
        checksums = 0;
        var parts = new List<(int Offset, int Length, string? Problem)>();
        var offset = 0;
        var previous = firstSequence - 1;
        while (offset < segment.Length)
        {
            if (TryMeasure(segment[offset..], out var length, out var problem))
            {
                parts.Add((offset, length, null));
                previous = SequenceOf(segment[offset..]);
                offset += length;
                continue;
            }

            var end = FindNext(segment, offset, previous, ref checksums) ?? segment.Length;
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

    /// <summary>
    /// Where the first intact record after the damaged one at <paramref name="damaged"/> starts, or null for none: a
    /// record cut short (a torn write: a crash while appending the newest segment's last batch) has nothing after it.
    /// <paramref name="previous"/> is the sequence of the last intact record before it.
    /// </summary>
    private static int? FindNext(ReadOnlySpan<byte> segment, int damaged, long previous, ref int checksums)
    {
        if (segment.Length - damaged < HeaderBytes)
        {
            return null;
        }

        // A torn write is cut, not searched: the bytes after its header are its events, which anyone who writes a line
        // a source reads may make look like a record, and a record found there was sent with its forged checkpoints
        // (helper-121).
        var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(segment[damaged..]);
        if (payloadLength > segment.Length - damaged - HeaderBytes)
        {
            return null;
        }

        // The damaged record's own length first: a changed byte in its payload or checksum leaves the framing intact, and
        // the record there is the next one written (another damaged one may follow it).
        var candidate = damaged + HeaderBytes + payloadLength;
        if (payloadLength >= FixedPayloadBytes && Follows(segment, candidate, previous, successorChecked: false, ref checksums))
        {
            return candidate;
        }

        // A changed length: byte by byte. A record has version 1 right after its 12-byte header, so the 64-bit checksum
        // is computed only at about 1 in 256 places whose length also fits; a false match is 1 in 2^64.
        for (var at = damaged + 1; at + HeaderBytes + FixedPayloadBytes <= segment.Length; at++)
        {
            if (segment[at + HeaderBytes] == Version && Follows(segment, at, previous, successorChecked: true, ref checksums))
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether an intact record at <paramref name="at"/> can be the next batch after <paramref name="previous"/>: a later
    /// sequence and, when <paramref name="successorChecked"/> (a record found by searching), the record after it, if any,
    /// its successor. Batches are appended with consecutive sequences, so a record that an event inside the damaged one
    /// holds is followed not by its successor but by the rest of that event's batch.
    /// </summary>
    private static bool Follows(ReadOnlySpan<byte> segment, int at, long previous, bool successorChecked, ref int checksums)
    {
        if (!Measured(segment[at..], ref checksums, out var length) || SequenceOf(segment[at..]) <= previous)
        {
            return false;
        }

        var next = at + length;
        return !successorChecked
            || next == segment.Length
            || (Measured(segment[next..], ref checksums, out _) && SequenceOf(segment[next..]) == SequenceOf(segment[at..]) + 1);
    }

    /// <summary><see cref="TryMeasure"/> for a search, counting in <paramref name="checksums"/> each checksum it computes.</summary>
    private static bool Measured(ReadOnlySpan<byte> bytes, ref int checksums, out int recordLength)
    {
        if (bytes.Length >= HeaderBytes && BinaryPrimitives.ReadInt32LittleEndian(bytes) is var payloadLength
            && payloadLength >= FixedPayloadBytes && payloadLength <= bytes.Length - HeaderBytes)
        {
            checksums++;
        }

        return TryMeasure(bytes, out recordLength, out _);
    }

    private static long SequenceOf(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[(HeaderBytes + 2)..]);

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
