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

        if (!ChecksumMatches(bytes, payloadLength))
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
    /// length: what a damaged segment costs to open beyond reading it once, at most 16 a damaged range.
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

        var limit = checksums + SearchChecksums;

        // The damaged record's own length first: a changed byte in its payload or checksum leaves the framing intact, and
        // the record there is the next one written (another damaged one may follow it).
        var candidate = damaged + HeaderBytes + payloadLength;
        if (payloadLength >= FixedPayloadBytes && Follows(segment, candidate, previous, successorChecked: false, limit, ref checksums))
        {
            return candidate;
        }

        // A changed length: byte by byte. The framing (Framed) and the successor's are read at each place, a few bytes;
        // a checksum is computed only where both hold, which written data does about never by chance (a false match of
        // the checksum is 1 in 2^64). Past the search's checksums it gives up (SearchChecksums).
        for (var at = damaged + 1; at + HeaderBytes + FixedPayloadBytes <= segment.Length && checksums < limit; at++)
        {
            if (Follows(segment, at, previous, successorChecked: true, limit, ref checksums))
            {
                return at;
            }
        }

        return null;
    }

    // The checksums one search may compute. Each reads a candidate's whole length, and a record's events can hold a
    // header that passes every check but the checksum every 48 bytes, each claiming the rest of the record: checked
    // without a bound, a damaged 1 MiB record took 1.6 s to open, and by the square a 512 MiB one (a call may hold
    // half of MaxSpoolBytes) would take days. An intact record found costs two (itself and its successor), so 16
    // leave room for a few forged records before it. Past them the search gives up, and the rest of the segment is
    // damage: reported and saved aside (in the newest segment, cut as a torn tail, so sources read its events again),
    // never a record that was not checked.
    private const int SearchChecksums = 16;

    /// <summary>
    /// Whether an intact record at <paramref name="at"/> can be the next batch after <paramref name="previous"/>: a later
    /// sequence and, when <paramref name="successorChecked"/> (a record found by searching), the record after it, if any,
    /// its successor. Batches are appended with consecutive sequences, so a record that an event inside the damaged one
    /// holds is followed not by its successor but by the rest of that event's batch. False too when the search's
    /// checksums reached <paramref name="limit"/>.
    /// </summary>
    private static bool Follows(ReadOnlySpan<byte> segment, int at, long previous, bool successorChecked, int limit, ref int checksums)
    {
        if (!Framed(segment[at..], out var length, out var sequence) || sequence <= previous)
        {
            return false;
        }

        var next = at + length;
        var successor = successorChecked && next != segment.Length;
        var nextLength = 0;
        if (successor && (!Framed(segment[next..], out nextLength, out var following) || following != sequence + 1))
        {
            return false;
        }

        // The checksums last: everything above read a few header bytes, each checksum reads a whole record.
        return Checksummed(segment[at..], length, limit, ref checksums)
            && (!successor || Checksummed(segment[next..], nextLength, limit, ref checksums));
    }

    /// <summary>
    /// Whether <paramref name="bytes"/> begin with a record's framing: a payload length that fits, version 1, known flags,
    /// and a checkpoint and a body whose lengths add up to the payload's. Every record written has it, and it reads a
    /// few bytes only, so the search checks it before a checksum.
    /// </summary>
    private static bool Framed(ReadOnlySpan<byte> bytes, out int recordLength, out long sequence)
    {
        recordLength = 0;
        sequence = 0;
        if (bytes.Length < HeaderBytes + FixedPayloadBytes)
        {
            return false;
        }

        var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (payloadLength < FixedPayloadBytes || payloadLength > bytes.Length - HeaderBytes)
        {
            return false;
        }

        var payload = bytes.Slice(HeaderBytes, payloadLength);
        var checkpointLength = BinaryPrimitives.ReadInt32LittleEndian(payload[30..]);
        if (payload[0] != Version || (payload[1] & ~(GzipFlag | TextFlag)) != 0 || BinaryPrimitives.ReadInt32LittleEndian(payload[26..]) < 0
            || checkpointLength < 0 || checkpointLength > payloadLength - FixedPayloadBytes
            || BinaryPrimitives.ReadInt32LittleEndian(payload[(34 + checkpointLength)..]) != payloadLength - FixedPayloadBytes - checkpointLength)
        {
            return false;
        }

        recordLength = HeaderBytes + payloadLength;
        sequence = BinaryPrimitives.ReadInt64LittleEndian(payload[2..]);
        return true;
    }

    /// <summary>Whether the framed record at the start of <paramref name="record"/> checks out, counted in <paramref name="checksums"/>; false once they reached <paramref name="limit"/>.</summary>
    private static bool Checksummed(ReadOnlySpan<byte> record, int length, int limit, ref int checksums)
    {
        if (checksums >= limit)
        {
            return false;
        }

        checksums++;
        return ChecksumMatches(record, length - HeaderBytes);
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> record, int payloadLength) =>
        XxHash3.HashToUInt64(record.Slice(HeaderBytes, payloadLength)) == BinaryPrimitives.ReadUInt64LittleEndian(record[4..]);

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
