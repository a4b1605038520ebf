using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Reading;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Recovery;

/// <summary>
/// Scans a segment at open to rebuild its index and find where valid data ends.
/// A record is valid when its header parses, its offset equals its position in the log, its
/// sequence number is the next one expected and its checksum matches.
/// At the first invalid record the scanner searches the rest of the file for any later valid
/// record: when there is none the bytes are a torn tail (an append that never completed, so never
/// acknowledged); when there is one the bytes are damage in the middle of the log, which is kept
/// and reported rather than truncated, because valid (acknowledged) records follow it.
/// </summary>
internal static class SegmentScanner
{
    public static SegmentScanResult Scan(ISegmentFile file, long baseSequenceNumber, long baseOffset, int indexIntervalBytes, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var result = new SegmentScanResult { FileLength = length, LastSequenceNumber = baseSequenceNumber - 1 };
        using var window = new FileWindow(file);
        long position = 0;
        var expected = baseSequenceNumber;
        var nextIndexOffset = long.MinValue;
        while (position < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!TryReadValid(window, position, length, baseOffset, expected, exactSequenceNumber: true, out var header))
            {
                var next = FindNextValid(window, position + 1, length, baseOffset, expected, out header);
                if (next < 0)
                {
                    break;
                }

                result.DamagedRanges.Add(new DamagedRange(position, next));
                position = next;
                nextIndexOffset = long.MinValue;
            }

            if (header.Offset >= nextIndexOffset)
            {
                result.Entries.Add(new IndexEntry(header.SequenceNumber, header.Offset, header.EnqueuedTimeMs));
                nextIndexOffset = header.Offset + indexIntervalBytes;
            }

            result.LastSequenceNumber = header.SequenceNumber;
            result.LastOffset = header.Offset;
            result.LastEnqueuedTimeMs = header.EnqueuedTimeMs;
            expected = header.SequenceNumber + 1;
            position += header.RecordLength;
        }

        result.ValidLength = position;
        return result;
    }

    private static long FindNextValid(FileWindow window, long from, long length, long baseOffset, long minimumSequenceNumber, out RecordHeader header)
    {
        for (var position = from; position + RecordHeader.Size <= length; position++)
        {
            if (TryReadValid(window, position, length, baseOffset, minimumSequenceNumber, exactSequenceNumber: false, out header))
            {
                return position;
            }
        }

        header = default;
        return -1;
    }

    private static bool TryReadValid(FileWindow window, long position, long length, long baseOffset, long sequenceNumber, bool exactSequenceNumber, out RecordHeader header)
    {
        if (!window.Load(position, RecordHeader.Size, length)
            || !RecordHeader.TryRead(window.Slice(position, RecordHeader.Size), out header)
            || header.Offset != baseOffset + position
            || (exactSequenceNumber ? header.SequenceNumber != sequenceNumber : header.SequenceNumber < sequenceNumber)
            || position + header.RecordLength > length
            || !window.Load(position, header.RecordLength, length))
        {
            header = default;
            return false;
        }

        return header.HasValidChecksum(window.Slice(position, header.RecordLength));
    }
}
