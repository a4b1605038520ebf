using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Reading;

/// <summary>
/// Reads committed records from segment files: positional reads only, so readers never take the
/// writer's lock, and every record is checksum-verified before it is returned.
/// </summary>
internal static class SegmentReader
{
    public static async ValueTask<int> ReadAsync(
        Segment[] segments,
        long fromSequenceNumber,
        long endSequenceNumber,
        int maxRecords,
        IList<LogRecord> destination,
        RecordCopy copy,
        CancellationToken cancellationToken)
    {
        var count = 0;
        var next = fromSequenceNumber;
        for (var i = SegmentSet.FindBySequenceNumber(segments, next); i < segments.Length && count < maxRecords && next < endSequenceNumber; i++)
        {
            var segment = segments[i];
            if (segment.IsEmpty || segment.LastSequenceNumber < next)
            {
                continue;
            }

            using var cursor = new RecordCursor(segment, segment.Index.FloorBySequenceNumber(next), segment.Length);
            while (count < maxRecords && await cursor.MoveNextAsync(cancellationToken))
            {
                var header = cursor.Current;
                if (header.SequenceNumber >= endSequenceNumber)
                {
                    return count;
                }

                if (header.SequenceNumber < next)
                {
                    continue;
                }

                var enqueued = DateTimeOffset.FromUnixTimeMilliseconds(header.EnqueuedTimeMs);
                destination.Add(new LogRecord(header.SequenceNumber, header.Offset, enqueued, copy(header.SequenceNumber, header.Offset, enqueued, cursor.CurrentPayload)));
                count++;
                next = header.SequenceNumber + 1;
            }
        }

        return count;
    }
}
