using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log;

/// <summary>Settings of one partition log.</summary>
public sealed class PartitionLogOptions
{
    /// <summary>
    /// Size in bytes at which the active segment is sealed and a new one started; default 64 MiB.
    /// The batch that crosses it is still written whole, so a segment can exceed it by one group commit.
    /// Retention deletes whole segments, so this is also its granularity.
    /// </summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Segments whose newest record is older than this (by enqueued time) are deleted; default
    /// 1 day, the Event Hubs Standard tier default. <see cref="TimeSpan.MaxValue"/> keeps everything.
    /// </summary>
    public TimeSpan RetentionAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Oldest segments are deleted while the partition's files exceed this many bytes; default 10 GiB.</summary>
    public long RetentionBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>
    /// How often retention runs on a timer, for age limits on an idle partition; default 1 minute. It also
    /// runs after every segment roll. <see cref="Timeout.InfiniteTimeSpan"/> disables both (call
    /// ApplyRetentionAsync instead).
    /// </summary>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest accepted payload in bytes; default 1 MiB, the Event Hubs Standard tier event size limit.</summary>
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Bytes of log between sparse index entries; default 16 KiB (about 4,096 entries, 96 KiB of
    /// memory, per 64 MiB segment). A position lookup scans at most this much.
    /// </summary>
    public int IndexIntervalBytes { get; set; } = 16 * 1024;

    /// <summary>Bytes of recently committed records kept in memory for tailing readers; default 16 MiB. 0 disables the cache.</summary>
    public long TailCacheBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// A tail cache that took no record for a whole one of these (one to two of them after its last) lets its
    /// arrays go, to the garbage collector, not to the log's pool, which would keep them: an idle partition's
    /// readers are caught up or read from disk (a reader still catching up reads the files from then on), and the
    /// next commit starts the cache again. Default 1 minute, at most 1 day; <see cref="Timeout.InfiniteTimeSpan"/>
    /// keeps the cache. The memory goes back to the system at the process's next full collection.
    /// </summary>
    public TimeSpan TailCacheIdleRelease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// After a write or fsync failed (a full disk, an I/O error), how often the log tries to recover:
    /// cut the refused bytes, write and fsync a probe, re-verify the committed tail; default 1 second.
    /// Appends are refused until one attempt succeeds, then accepted again without a reopen.
    /// </summary>
    public TimeSpan FailureRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock for enqueued times, retention and recovery attempts; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Opens segment files; tests pass a fault-injecting factory.</summary>
    public ISegmentFileFactory FileFactory { get; set; } = FileSegmentFileFactory.Instance;

    /// <summary>Every problem with these settings, each naming the setting and how to fix it; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (SegmentBytes < 4096)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(SegmentBytes)} is {SegmentBytes}; set it to at least 4096 bytes (the default is 67108864, 64 MiB).");
        }

        if (RetentionAge <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(RetentionAge)} is {RetentionAge}; set a positive duration such as 1.00:00:00, or TimeSpan.MaxValue to keep records forever.");
        }

        if (RetentionBytes <= 0)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(RetentionBytes)} is {RetentionBytes}; set a positive byte count such as 10737418240 (10 GiB), or long.MaxValue for no size limit.");
        }

        if ((TailCacheIdleRelease <= TimeSpan.Zero || TailCacheIdleRelease > TimeSpan.FromDays(1)) && TailCacheIdleRelease != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(TailCacheIdleRelease)} is {TailCacheIdleRelease}; set a duration from 00:00:00.001 to 1.00:00:00 such as 00:01:00, or Timeout.InfiniteTimeSpan to keep the tail cache while idle.");
        }

        if (RetentionCheckInterval <= TimeSpan.Zero && RetentionCheckInterval != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(RetentionCheckInterval)} is {RetentionCheckInterval}; set a positive interval such as 00:01:00, or Timeout.InfiniteTimeSpan to disable the timer.");
        }

        if (FailureRetryInterval <= TimeSpan.Zero || FailureRetryInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(FailureRetryInterval)} is {FailureRetryInterval}; set a positive interval up to 01:00:00 (the default is 00:00:01).");
        }

        if (MaxRecordBytes is < 1 or > RecordHeader.MaxPayloadLength)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(MaxRecordBytes)} is {MaxRecordBytes}; set it between 1 and {RecordHeader.MaxPayloadLength} bytes (the default is 1048576, 1 MiB).");
        }

        if (IndexIntervalBytes < 512)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(IndexIntervalBytes)} is {IndexIntervalBytes}; set it to at least 512 bytes (the default is 16384, 16 KiB).");
        }

        if (TailCacheBytes < 0)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(TailCacheBytes)} is {TailCacheBytes}; set 0 to disable the cache or a positive byte count (the default is 16777216, 16 MiB).");
        }

        if (TimeProvider is null)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(TimeProvider)} is null; leave the default TimeProvider.System or pass a clock.");
        }

        if (FileFactory is null)
        {
            failures.Add($"{nameof(PartitionLogOptions)}.{nameof(FileFactory)} is null; leave the default FileSegmentFileFactory.Instance or pass a factory.");
        }

        return failures;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every failure of <see cref="Validate"/>.</summary>
    public void ThrowIfInvalid()
    {
        var failures = Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid partition log options: " + string.Join(" ", failures));
        }
    }
}
