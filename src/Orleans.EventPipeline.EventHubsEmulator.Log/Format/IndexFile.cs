using System.Buffers.Binary;
using System.IO.Hashing;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Format;

/// <summary>
/// The persisted sparse index of a sealed segment ("*.idx"), written once when the segment is
/// sealed so that reopening a log scans only its active segment. Little-endian:
/// <code>
///  byte 0        4        6        8                16       20       24               32               40               48               56
///       +--------+--------+--------+----------------+--------+--------+----------------+----------------+----------------+----------------+--------------------------+
///       | magic  |version |hdr size|   checksum     | count  | zero   | last seq. no.  |  last offset   | last enq. (ms) | segment length | count x (seq, offset, ms)|
///       | "EHLI" | u16=1  | u16=56 | u64 XxHash3    |  i32   |  u32   |      i64       |      i64       |      i64       |      i64       |  3 x i64 = 24 bytes each |
///       +--------+--------+--------+----------------+--------+--------+----------------+----------------+----------------+----------------+--------------------------+
/// </code>
/// The checksum is XxHash3 over bytes 16..end, seeded with bytes 0..8. An index that fails any
/// check, or whose segment length differs from the segment file's, is ignored and rebuilt by scanning.
/// </summary>
internal static class IndexFile
{
    public const uint Magic = 0x494C4845;

    public const ushort FormatVersion = 1;

    public const int HeaderSize = 56;

    public const int EntrySize = 24;

    /// <summary>Writes to a temporary file, fsyncs it and renames it over the target, so a crash leaves the old index or the new one.</summary>
    public static void Write(string path, Segment segment)
    {
        var entries = segment.Index.Entries;
        var bytes = new byte[HeaderSize + (entries.Length * EntrySize)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], entries.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], segment.LastSequenceNumber);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], segment.LastOffset);
        BinaryPrimitives.WriteInt64LittleEndian(span[40..], segment.LastEnqueuedTimeMs);
        BinaryPrimitives.WriteInt64LittleEndian(span[48..], segment.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var at = span[(HeaderSize + (i * EntrySize))..];
            BinaryPrimitives.WriteInt64LittleEndian(at, entries[i].SequenceNumber);
            BinaryPrimitives.WriteInt64LittleEndian(at[8..], entries[i].Offset);
            BinaryPrimitives.WriteInt64LittleEndian(at[16..], entries[i].EnqueuedTimeMs);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], Checksum(span));

        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            // On a full disk a half-written temporary file would only hold on to space; the roll is retried.
            File.Delete(temporary);
            throw;
        }
    }

    public static bool TryRead(string path, long segmentLength, out IndexFileContents contents)
    {
        contents = default;
        if (!File.Exists(path))
        {
            return false;
        }

        var bytes = File.ReadAllBytes(path);
        var span = bytes.AsSpan();
        if (span.Length < HeaderSize
            || BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic
            || BinaryPrimitives.ReadUInt16LittleEndian(span[4..]) != FormatVersion
            || BinaryPrimitives.ReadUInt16LittleEndian(span[6..]) != HeaderSize)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(span[16..]);
        if (count < 1
            || span.Length != HeaderSize + ((long)count * EntrySize)
            || BinaryPrimitives.ReadUInt64LittleEndian(span[8..]) != Checksum(span)
            || BinaryPrimitives.ReadInt64LittleEndian(span[48..]) != segmentLength)
        {
            return false;
        }

        var entries = new IndexEntry[count];
        for (var i = 0; i < count; i++)
        {
            var at = span[(HeaderSize + (i * EntrySize))..];
            entries[i] = new IndexEntry(
                BinaryPrimitives.ReadInt64LittleEndian(at),
                BinaryPrimitives.ReadInt64LittleEndian(at[8..]),
                BinaryPrimitives.ReadInt64LittleEndian(at[16..]));
        }

        contents = new IndexFileContents(
            entries,
            BinaryPrimitives.ReadInt64LittleEndian(span[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[40..]));
        return true;
    }

    private static ulong Checksum(ReadOnlySpan<byte> file) =>
        XxHash3.HashToUInt64(file[16..], BinaryPrimitives.ReadInt64LittleEndian(file));
}
