using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.EventHubsEmulator.Log.Commit;
using Orleans.EventPipeline.EventHubsEmulator.Log.Positioning;
using Orleans.EventPipeline.EventHubsEmulator.Log.Reading;
using Orleans.EventPipeline.EventHubsEmulator.Log.Retention;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log;

/// <summary>
/// A durable partition log in one directory: checksummed records in segment files, group-committed
/// appends acknowledged only after fsync, a sparse index for position lookups, torn-tail recovery
/// and segment-granular retention. The on-disk format is described in docs/EMULATOR-LOG-FORMAT.md.
/// </summary>
/// <remarks>
/// <see cref="Info"/>: <c>LastSequenceNumber</c>, <c>LastOffset</c> and <c>LastEnqueuedTime</c>
/// describe the last record ever committed (-1, -1 and <see cref="DateTimeOffset.MinValue"/> before the
/// first); <c>BeginSequenceNumber</c> is the first retained record, -1 when none is retained.
/// </remarks>
public sealed partial class PartitionLog : IPartitionLog
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> the logs report commits and retention on.</summary>
    public const string MeterName = Diagnostics.PartitionLogInstruments.MeterName;

    private const string LockFileName = "partition.lock";

    // A plain read's copy: the stored bytes, in an array of the record's own.
    internal static readonly RecordCopy CopyPayload = static (_, _, _, payload) => payload.ToArray();

    private readonly PartitionLogOptions _options;
    private readonly ILogger _logger;
    private readonly FileStream _directoryLock;
    private readonly SegmentSet _segments;
    private readonly TailCache _cache;
    private readonly GroupCommitWriter _writer;
    private readonly RetentionEnforcer _retention;
    private readonly ITimer? _retentionTimer;
    private readonly ITimer? _idleCacheTimer;
    private int _disposed;

    private PartitionLog(string directory, PartitionLogOptions options, ILogger logger, FileStream directoryLock, SegmentSet segments, CommittedState committed, long nextOffset)
    {
        Directory = directory;
        _options = options;
        _logger = logger;
        _directoryLock = directoryLock;
        _segments = segments;
        // A pool of the log's own: commit buffers (about 1 MiB each) cycle between the pending
        // batch and the tail cache, and the shared pool keeps too few arrays that large to recycle them.
        var buffers = ArrayPool<byte>.Create(maxArrayLength: 1024 * 1024 * 1024, maxArraysPerBucket: 16);
        _cache = new TailCache(options.TailCacheBytes, buffers);
        _retention = new RetentionEnforcer(segments, options, logger, directory);
        var scheduledRetention = options.RetentionCheckInterval != Timeout.InfiniteTimeSpan;
        // Retention runs after every roll as well as on its timer, so each pass has about one
        // segment to delete instead of an interval's worth (see RetentionEnforcer).
        _writer = new GroupCommitWriter(segments, _cache, buffers, options, logger, directory, committed, nextOffset, scheduledRetention ? _retention.Request : null);
        _writer.Start();
        if (options.TailCacheIdleRelease != Timeout.InfiniteTimeSpan)
        {
            _idleCacheTimer = options.TimeProvider.CreateTimer(
                static state => ((PartitionLog)state!).ReleaseIdleTailCache(), this, options.TailCacheIdleRelease, options.TailCacheIdleRelease);
        }

        if (scheduledRetention)
        {
            _retentionTimer = options.TimeProvider.CreateTimer(
                static state => ((RetentionEnforcer)state!).Request(), _retention, options.RetentionCheckInterval, options.RetentionCheckInterval);
        }
    }

    private void ReleaseIdleTailCache()
    {
        if (_cache.ReleaseIfIdle() is > 0 and var released)
        {
            LogTailCacheReleased(_logger, Directory, released, _options.TailCacheIdleRelease);
        }
    }

    /// <summary>The tail cache, for tests of its memory.</summary>
    internal TailCache TailCache => _cache;

    /// <summary>The partition's directory (absolute).</summary>
    public string Directory { get; }

    /// <summary>Group commits (one write + one fsync each) since open.</summary>
    public long CommitCount => _writer.CommitCount;

    /// <summary>Records committed since open.</summary>
    public long AppendedRecordCount => _writer.CommittedRecordCount;

    /// <summary>Segment files currently retained, the active one included.</summary>
    public int SegmentCount => _segments.Snapshot.Length;

    /// <summary>
    /// Whether appends are accepted now. After a write or fsync failure it says why and since when
    /// until a recovery attempt succeeds (every <see cref="PartitionLogOptions.FailureRetryInterval"/>).
    /// </summary>
    public PartitionLogHealth Health => _writer.Health;

    /// <summary>No scheduled retention pass is queued or running.</summary>
    internal bool RetentionIdle => _retention.IsIdle;

    public PartitionLogInfo Info
    {
        get
        {
            var committed = _writer.Committed;
            var begin = PositionResolver.BeginSequenceNumber(_segments.Snapshot, committed);
            var isEmpty = begin >= committed.NextSequenceNumber;
            var lastTime = committed.LastSequenceNumber < 0 ? DateTimeOffset.MinValue : DateTimeOffset.FromUnixTimeMilliseconds(committed.LastEnqueuedTimeMs);
            return new PartitionLogInfo(isEmpty ? -1 : begin, committed.LastSequenceNumber, committed.LastOffset, lastTime, isEmpty);
        }
    }

    /// <summary>
    /// Opens (creating when missing) the log in <paramref name="directory"/> and recovers it: sealed
    /// segments load their persisted index, the active segment is scanned and a torn tail truncated.
    /// Only one instance may hold a directory at a time.
    /// </summary>
    public static Task<PartitionLog> OpenAsync(string directory, PartitionLogOptions? options = null, ILogger<PartitionLog>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new PartitionLogOptions();
        options.ThrowIfInvalid();
        return Task.Run(() => Open(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), options, (ILogger?)logger ?? NullLogger.Instance, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Appends the payloads as consecutive records sharing one enqueued time. Cancellation only
    /// stops the wait: records already queued are still committed.
    /// </summary>
    public ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        if (payloads.Count == 0)
        {
            throw new ArgumentException("Append at least one payload.", nameof(payloads));
        }

        for (var i = 0; i < payloads.Count; i++)
        {
            if (payloads[i].Length > _options.MaxRecordBytes)
            {
                throw new ArgumentException(
                    $"Payload {i} is {payloads[i].Length} bytes, over {nameof(PartitionLogOptions)}.{nameof(PartitionLogOptions.MaxRecordBytes)} ({_options.MaxRecordBytes}); split it or raise the limit.",
                    nameof(payloads));
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AppendResult>(cancellationToken);
        }

        return _writer.AppendAsync(payloads, cancellationToken);
    }

    public long Resolve(LogPosition position)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            try
            {
                return PositionResolver.Resolve(position, _segments.Snapshot, _writer.Committed, _options.IndexIntervalBytes);
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) == 0)
            {
                // Retention deleted a segment while it was being scanned; resolve against the new beginning.
            }
        }
    }

    /// <summary>
    /// Reads committed records from <paramref name="fromSequenceNumber"/>, or from the first retained
    /// record when that one was already deleted by retention (the returned records carry their
    /// sequence numbers, so a caller sees the gap).
    /// </summary>
    public ValueTask<int> ReadAsync(long fromSequenceNumber, int maxRecords, IList<LogRecord> destination, CancellationToken cancellationToken = default) =>
        ReadAsync(fromSequenceNumber, maxRecords, destination, CopyPayload, cancellationToken);

    public async ValueTask<int> ReadAsync(long fromSequenceNumber, int maxRecords, IList<LogRecord> destination, RecordCopy copy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(copy);
        ArgumentOutOfRangeException.ThrowIfNegative(fromSequenceNumber);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRecords);
        var initialCount = destination.Count;
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var committed = _writer.Committed;
            var segments = _segments.Snapshot;
            var start = Math.Max(fromSequenceNumber, PositionResolver.BeginSequenceNumber(segments, committed));
            if (maxRecords == 0 || start >= committed.NextSequenceNumber)
            {
                return 0;
            }

            var cached = _cache.TryRead(start, committed.NextSequenceNumber, maxRecords, destination, copy);
            if (cached >= 0)
            {
                return cached;
            }

            try
            {
                return await SegmentReader.ReadAsync(segments, start, committed.NextSequenceNumber, maxRecords, destination, copy, cancellationToken);
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) == 0)
            {
                // Retention deleted a segment under the read: keep what was read, or retry from the new beginning.
                if (destination.Count > initialCount)
                {
                    return destination.Count - initialCount;
                }
            }
        }
    }

    public async ValueTask WaitForRecordAsync(long sequenceNumber, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Take the signal before checking the state: a commit in between completes this signal.
            var signal = _writer.CommitSignal;
            if (_writer.Committed.NextSequenceNumber > sequenceNumber)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Deletes the segments retention allows now; returns how many were deleted.</summary>
    public Task<int> ApplyRetentionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_retention.Apply());
    }

    /// <summary>Commits every pending append, then closes the files. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_retentionTimer is not null)
        {
            await _retentionTimer.DisposeAsync();
        }

        if (_idleCacheTimer is not null)
        {
            await _idleCacheTimer.DisposeAsync();
        }

        await _writer.CloseAsync();
        _retention.Close();
        _segments.Dispose();
        _cache.Dispose();
        await _directoryLock.DisposeAsync();
    }

    private static PartitionLog Open(string directory, PartitionLogOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        FileStream directoryLock;
        try
        {
            directoryLock = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new IOException($"Partition log '{directory}' is already open (by this or another process); dispose the other instance first.", exception);
        }

        try
        {
            var segments = SegmentSet.Open(directory, options, logger, cancellationToken);
            var snapshot = segments.Snapshot;
            var active = snapshot[^1];
            var last = Array.FindLast(snapshot, static s => !s.IsEmpty);
            var committed = new CommittedState(
                active.IsEmpty ? active.BaseSequenceNumber : active.LastSequenceNumber + 1,
                last?.LastOffset ?? -1,
                last?.LastEnqueuedTimeMs ?? 0);
            var nextOffset = active.BaseOffset + active.Length;
            LogOpened(logger, directory, snapshot.Length, PositionResolver.BeginSequenceNumber(snapshot, committed), committed.NextSequenceNumber, nextOffset);
            return new PartitionLog(directory, options, logger, directoryLock, segments, committed, nextOffset);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }
}
