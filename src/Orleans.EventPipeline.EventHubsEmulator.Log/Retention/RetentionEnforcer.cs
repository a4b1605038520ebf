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
/// <remarks>
/// Scheduled passes (<see cref="Request"/>, after every segment roll and on the retention timer)
/// run on the thread pool, one at a time per partition, and delete at most
/// <see cref="MaxDeletesPerPass"/> segments before queuing the rest as a new pass. Unlinking a
/// 64 MiB segment took 16-23 ms on the benchmark disk while it absorbed 200 MB/s of fsync'd appends;
/// one timer pass per minute at 400 MB/s had about 80 segments per partition to delete, held four
/// pool threads for over a second and stalled every request in the process for 1.5 s.
/// </remarks>
internal sealed class RetentionEnforcer(SegmentSet segments, PartitionLogOptions options, ILogger logger, string directory)
{
    /// <summary>Four deletes, about 80 ms of a pool thread at the measured unlink cost.</summary>
    internal const int MaxDeletesPerPass = 4;

    private const int Idle = 0;
    private const int Queued = 1;
    private const int QueuedAgain = 2;

    private readonly Lock _sync = new();
    private readonly string _partition = Path.GetFileName(directory);
    private bool _closed;
    private int _state;

    /// <summary>No pass is queued or running.</summary>
    public bool IsIdle => Volatile.Read(ref _state) == Idle;

    /// <summary>Deletes every segment retention allows now; returns how many were deleted.</summary>
    public int Apply() => Apply(int.MaxValue);

    /// <summary>
    /// Asks for a pass on the thread pool. A request while a pass is queued or running makes that
    /// pass run once more, so requests never pile up as waiting work items.
    /// </summary>
    public void Request()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == QueuedAgain
                || (state == Queued && Interlocked.CompareExchange(ref _state, QueuedAgain, Queued) == Queued))
            {
                return;
            }

            if (state == Idle && Interlocked.CompareExchange(ref _state, Queued, Idle) == Idle)
            {
                Queue();
                return;
            }
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

    private void Queue() => ThreadPool.UnsafeQueueUserWorkItem(static enforcer => enforcer.RunPass(), this, preferLocal: false);

    private void RunPass()
    {
        var deleted = 0;
        try
        {
            deleted = Apply(MaxDeletesPerPass);
        }
        catch (Exception exception)
        {
            PartitionLog.LogRetentionFailed(logger, exception, directory);
        }

        // Done unless a full pass may have left more to delete or a request came during the pass
        // (QueuedAgain); then run once more.
        if (deleted < MaxDeletesPerPass && Interlocked.CompareExchange(ref _state, Idle, Queued) == Queued)
        {
            return;
        }

        Volatile.Write(ref _state, Queued);
        Queue();
    }

    private int Apply(int maxDeletes)
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
            for (var i = 0; i < snapshot.Length - 1 && deleted < maxDeletes; i++)
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
                PartitionLogInstruments.RecordSegmentDeleted(_partition);
                PartitionLog.LogSegmentDeleted(logger, segment.Path, segment.LastSequenceNumber, overSize ? "size" : "age");
            }

            return deleted;
        }
    }
}
