using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Log.Diagnostics;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Retention;

/// <summary>
/// Deletes whole sealed segments from the front of the log while the partition is over
/// <see cref="PartitionLogOptions.RetentionBytes"/> or the segment's newest record is older than
/// <see cref="PartitionLogOptions.RetentionAge"/>. The active segment is never deleted, so a
/// partition keeps at least its newest segment (up to SegmentBytes) whatever the limits.
/// </summary>
internal sealed class RetentionEnforcer(SegmentSet segments, PartitionLogOptions options, ILogger logger, string partition)
{
    private readonly Lock _sync = new();
    private bool _closed;

    public int Apply()
    {
        lock (_sync)
        {
            if (_closed)
            {
                return 0;
            }

            var snapshot = segments.Snapshot;
            var totalBytes = 0L;
            foreach (var segment in snapshot)
            {
                totalBytes += segment.Length;
            }

            var nowMs = options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var cutoffMs = options.RetentionAge >= TimeSpan.FromMilliseconds(nowMs)
                ? long.MinValue
                : nowMs - (long)options.RetentionAge.TotalMilliseconds;
            var deleted = 0;
            for (var i = 0; i < snapshot.Length - 1; i++)
            {
                var segment = snapshot[i];
                var overSize = totalBytes > options.RetentionBytes;
                var expired = segment.LastEnqueuedTimeMs < cutoffMs;
                if ((!overSize && !expired) || !segments.TryRemoveOldest(segment))
                {
                    break;
                }

                totalBytes -= segment.Length;
                deleted++;
                PartitionLogInstruments.RecordSegmentDeleted(partition);
                PartitionLog.LogSegmentDeleted(logger, segment.Path, segment.LastSequenceNumber, overSize ? "size" : "age");
            }

            return deleted;
        }
    }

    /// <summary>Waits for a running pass and stops later ones, so files can be closed safely.</summary>
    public void Close()
    {
        lock (_sync)
        {
            _closed = true;
        }
    }
}
