using Orleans.EventPipeline.EventHubsEmulator.Log.Commit;
using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Reading;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Positioning;

/// <summary>
/// Maps an Event Hubs start position to a sequence number: binary search over segments, then
/// over the segment's sparse index, then a scan of at most one index interval (16 KiB by default).
/// Results are clamped to [begin, next]: positions before the retained log resolve to its first
/// record, positions past the end to the next sequence number to be written.
/// </summary>
internal static class PositionResolver
{
    public static long Resolve(LogPosition position, Segment[] segments, CommittedState committed, int indexIntervalBytes)
    {
        var next = committed.NextSequenceNumber;
        var begin = BeginSequenceNumber(segments, committed);
        return position.Kind switch
        {
            LogPositionKind.Earliest => begin,
            LogPositionKind.Latest => next,
            LogPositionKind.SequenceNumber => Math.Clamp(position.Inclusive ? position.Value : SaturatingIncrement(position.Value), begin, next),
            LogPositionKind.Offset => ByOffset(position.Inclusive ? position.Value : SaturatingIncrement(position.Value), segments, committed, begin, indexIntervalBytes),
            LogPositionKind.EnqueuedTime => ByEnqueuedTime(position.Value, segments, committed, begin, indexIntervalBytes),
            _ => throw new ArgumentOutOfRangeException(nameof(position), position.Kind, "Unknown position kind."),
        };
    }

    /// <summary>The first retained sequence number, or the next one to be written when nothing is retained.</summary>
    public static long BeginSequenceNumber(Segment[] segments, CommittedState committed)
    {
        foreach (var segment in segments)
        {
            if (!segment.IsEmpty)
            {
                return Math.Min(segment.BaseSequenceNumber, committed.NextSequenceNumber);
            }
        }

        return committed.NextSequenceNumber;
    }

    private static long SaturatingIncrement(long value) => value == long.MaxValue ? value : value + 1;

    /// <summary>The first record whose offset is &gt;= <paramref name="minimumOffset"/>.</summary>
    private static long ByOffset(long minimumOffset, Segment[] segments, CommittedState committed, long begin, int indexIntervalBytes)
    {
        if (begin >= committed.NextSequenceNumber || minimumOffset > committed.LastOffset)
        {
            return committed.NextSequenceNumber;
        }

        if (minimumOffset <= segments[0].BaseOffset)
        {
            return begin;
        }

        var index = SegmentSet.FindByOffset(segments, minimumOffset);

        return ScanSegments(segments, index, committed, indexIntervalBytes, segments[index].Index.FloorByOffset(minimumOffset), r => r.Offset >= minimumOffset);
    }

    /// <summary>The first record enqueued strictly after <paramref name="timeMs"/>, as Event Hubs does.</summary>
    private static long ByEnqueuedTime(long timeMs, Segment[] segments, CommittedState committed, long begin, int indexIntervalBytes)
    {
        if (begin >= committed.NextSequenceNumber || timeMs >= committed.LastEnqueuedTimeMs)
        {
            return committed.NextSequenceNumber;
        }

        var found = -1;
        for (int low = 0, high = segments.Length - 1; low <= high;)
        {
            var mid = low + ((high - low) / 2);
            var segment = segments[mid];
            if (!segment.IsEmpty && segment.Index.Entries[0].EnqueuedTimeMs <= timeMs)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        if (found < 0)
        {
            return begin;
        }

        return ScanSegments(segments, found, committed, indexIntervalBytes, segments[found].Index.FloorByEnqueuedTime(timeMs), r => r.EnqueuedTimeMs > timeMs);
    }

    private static long ScanSegments(Segment[] segments, int index, CommittedState committed, int indexIntervalBytes, IndexEntry start, Func<RecordHeader, bool> matches)
    {
        var segment = segments[index];
        // The answer lies within one index interval of the entry, so reading 2 intervals ahead
        // usually finds it in a single read.
        using (var cursor = new RecordCursor(segment, start, segment.Length, 2 * indexIntervalBytes))
        {
            while (cursor.MoveNext())
            {
                if (cursor.Current.SequenceNumber >= committed.NextSequenceNumber)
                {
                    return committed.NextSequenceNumber;
                }

                if (matches(cursor.Current))
                {
                    return cursor.Current.SequenceNumber;
                }
            }
        }

        // Nothing in this segment matched, so the answer is the first record of the next one.
        return index + 1 < segments.Length && !segments[index + 1].IsEmpty
            ? Math.Min(segments[index + 1].BaseSequenceNumber, committed.NextSequenceNumber)
            : committed.NextSequenceNumber;
    }
}
