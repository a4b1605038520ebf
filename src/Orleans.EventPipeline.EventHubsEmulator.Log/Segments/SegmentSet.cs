using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Recovery;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

/// <summary>
/// The partition's segments in log order; the last one is active (the only one written to).
/// Readers take the array as a snapshot without locking; rolling appends a segment and retention
/// removes the oldest, each by publishing a new array.
/// </summary>
internal sealed class SegmentSet : IDisposable
{
    private readonly Lock _sync = new();
    private readonly string _directory;
    private readonly ISegmentFileFactory _factory;
    private readonly ILogger _logger;
    private Segment[] _segments;

    private SegmentSet(string directory, ISegmentFileFactory factory, ILogger logger, Segment[] segments)
    {
        _directory = directory;
        _factory = factory;
        _logger = logger;
        _segments = segments;
    }

    public Segment[] Snapshot => Volatile.Read(ref _segments);

    public Segment Active => Snapshot[^1];

    /// <summary>Opens every segment in <paramref name="directory"/>, recovering the active one (see <see cref="SegmentScanner"/>).</summary>
    public static SegmentSet Open(string directory, PartitionLogOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var stale in Directory.EnumerateFiles(directory, "*" + SegmentFileName.IndexExtension + ".tmp"))
        {
            File.Delete(stale);
        }

        var names = new List<(long Sequence, long Offset, string Path)>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + SegmentFileName.SegmentExtension))
        {
            if (SegmentFileName.TryParse(Path.GetFileName(path), out var sequence, out var offset))
            {
                names.Add((sequence, offset, path));
            }
        }

        names.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        if (names.Count == 0)
        {
            names.Add((0, 0, Path.Combine(directory, SegmentFileName.Format(0, 0))));
        }

        var segments = new List<Segment>(names.Count);
        try
        {
            for (var i = 0; i < names.Count; i++)
            {
                var (sequence, offset, path) = names[i];
                var isActive = i == names.Count - 1;
                var segment = isActive
                    ? OpenActive(path, sequence, offset, options, logger, cancellationToken)
                    : OpenSealed(path, sequence, offset, options, logger, cancellationToken);
                if (segment is not null)
                {
                    segments.Add(segment);
                }
            }
        }
        catch
        {
            segments.ForEach(static s => s.Dispose());
            throw;
        }

        return new SegmentSet(directory, options.FileFactory, logger, [.. segments]);
    }

    /// <summary>Seals the active segment (persisting its index) and starts a new one at the given base.</summary>
    public Segment Roll(long baseSequenceNumber, long baseOffset)
    {
        var sealedSegment = Active;
        IndexFile.Write(sealedSegment.IndexPath, sealedSegment);
        var file = _factory.Open(Path.Combine(_directory, SegmentFileName.Format(baseSequenceNumber, baseOffset)));
        var segment = new Segment(file, baseSequenceNumber, baseOffset, new SegmentIndex());
        lock (_sync)
        {
            _segments = [.. _segments, segment];
        }

        PartitionLog.LogSegmentRolled(_logger, sealedSegment.Path, sealedSegment.Length, segment.Path);
        return segment;
    }

    /// <summary>Deletes <paramref name="segment"/> if it is still the oldest and not the active one.</summary>
    public bool TryRemoveOldest(Segment segment)
    {
        lock (_sync)
        {
            if (_segments.Length < 2 || _segments[0] != segment)
            {
                return false;
            }

            _segments = _segments[1..];
        }

        segment.Dispose();
        File.Delete(segment.Path);
        File.Delete(segment.IndexPath);
        return true;
    }

    /// <summary>Index of the segment holding <paramref name="sequenceNumber"/> (the last one starting at or before it).</summary>
    public static int FindBySequenceNumber(Segment[] segments, long sequenceNumber) =>
        FindLast(segments, sequenceNumber, static s => s.BaseSequenceNumber);

    /// <summary>Index of the segment holding <paramref name="offset"/> (the last one starting at or before it).</summary>
    public static int FindByOffset(Segment[] segments, long offset) =>
        FindLast(segments, offset, static s => s.BaseOffset);

    public void Dispose()
    {
        foreach (var segment in Snapshot)
        {
            segment.Dispose();
        }
    }

    private static int FindLast(Segment[] segments, long key, Func<Segment, long> keyOf)
    {
        int low = 0, high = segments.Length - 1, found = 0;
        while (low <= high)
        {
            var mid = low + ((high - low) / 2);
            if (keyOf(segments[mid]) <= key)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found;
    }

    private static Segment? OpenSealed(string path, long sequence, long offset, PartitionLogOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var file = options.FileFactory.Open(path);
        try
        {
            var length = file.Length;
            var indexPath = SegmentFileName.IndexPathFor(path);
            if (IndexFile.TryRead(indexPath, length, out var index))
            {
                var segment = new Segment(file, sequence, offset, new SegmentIndex(index.Entries));
                segment.Advance(index.LastSequenceNumber, index.LastOffset, index.LastEnqueuedTimeMs, length);
                return segment;
            }

            var scan = SegmentScanner.Scan(file, sequence, offset, options.IndexIntervalBytes, cancellationToken);
            ReportDamage(logger, path, scan);
            if (scan.Entries.Count == 0)
            {
                // A sealed segment always held records when it was sealed; an empty one carries nothing to keep.
                PartitionLog.LogEmptySealedSegmentDeleted(logger, path);
                file.Dispose();
                File.Delete(path);
                File.Delete(indexPath);
                return null;
            }

            var rebuilt = new Segment(file, sequence, offset, new SegmentIndex(scan.Entries));
            rebuilt.Advance(scan.LastSequenceNumber, scan.LastOffset, scan.LastEnqueuedTimeMs, scan.ValidLength);
            if (scan.ValidLength < scan.FileLength)
            {
                // Sealed segments are never truncated: they were fully fsync'd before the next segment
                // began, so unreadable bytes here are damage to report, not an unfinished append.
                PartitionLog.LogSealedSegmentTailUnreadable(logger, path, scan.ValidLength, scan.FileLength);
            }
            else
            {
                IndexFile.Write(indexPath, rebuilt);
            }

            PartitionLog.LogIndexRebuilt(logger, path, scan.Entries.Count);
            return rebuilt;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static Segment OpenActive(string path, long sequence, long offset, PartitionLogOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var file = options.FileFactory.Open(path);
        try
        {
            var scan = SegmentScanner.Scan(file, sequence, offset, options.IndexIntervalBytes, cancellationToken);
            ReportDamage(logger, path, scan);
            if (scan.ValidLength < scan.FileLength)
            {
                file.SetLength(scan.ValidLength);
                file.FlushToDisk();
                PartitionLog.LogTornTailTruncated(logger, path, scan.ValidLength, scan.FileLength - scan.ValidLength);
            }

            var segment = new Segment(file, sequence, offset, new SegmentIndex(scan.Entries));
            segment.Advance(scan.LastSequenceNumber, scan.LastOffset, scan.LastEnqueuedTimeMs, scan.ValidLength);
            return segment;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void ReportDamage(ILogger logger, string path, SegmentScanResult scan)
    {
        foreach (var range in scan.DamagedRanges)
        {
            PartitionLog.LogDamagedRecords(logger, path, range.Start, range.End);
        }
    }
}
