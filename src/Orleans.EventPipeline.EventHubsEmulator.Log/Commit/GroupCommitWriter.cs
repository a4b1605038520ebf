using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Log.Diagnostics;
using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Reading;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Commit;

/// <summary>
/// Group commit. Appenders encode their records into the pending batch under a short lock and
/// wait; one writer loop swaps the pending batch out, writes it with one positional write,
/// fsyncs once, publishes the new committed state and only then completes every waiter of the
/// batch. While that fsync runs the next batch fills, so concurrent appends share fsyncs.
/// After an I/O error the writer stops for good: every waiting and later append faults with the
/// same <see cref="PartitionLogFailedException"/> and nothing unsynced is ever acknowledged.
/// </summary>
internal sealed class GroupCommitWriter
{
    private readonly Lock _gate = new();
    private readonly SegmentSet _segments;
    private readonly TailCache _cache;
    private readonly PartitionLogOptions _options;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly string _partition;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly ArrayPool<byte> _pool;
    private readonly Action? _rolled;
    private CommitBatch _pending;
    private CommitBatch? _spare;
    private long _nextSequenceNumber;
    private long _nextOffset;
    private long _lastEnqueuedTimeMs;
    private long _nextIndexOffset;
    private PartitionLogFailedException? _failure;
    private bool _closing;
    private Task _loop = Task.CompletedTask;

    private CommittedState _committed;
    private TaskCompletionSource _commitSignal = NewSignal();
    private long _commitCount;
    private long _committedRecordCount;

    /// <param name="rolled">Called on the writer loop once the first write to a new segment is durable; must only queue work (retention), never block.</param>
    public GroupCommitWriter(SegmentSet segments, TailCache cache, ArrayPool<byte> pool, PartitionLogOptions options, ILogger logger, string directory, CommittedState recovered, long nextOffset, Action? rolled)
    {
        _pool = pool;
        _rolled = rolled;
        _pending = new CommitBatch(pool);
        _spare = new CommitBatch(pool);
        _segments = segments;
        _cache = cache;
        _options = options;
        _logger = logger;
        _directory = directory;
        _partition = Path.GetFileName(directory);
        _committed = recovered;
        _nextSequenceNumber = recovered.NextSequenceNumber;
        _nextOffset = nextOffset;
        _lastEnqueuedTimeMs = recovered.LastEnqueuedTimeMs;
        var active = segments.Active;
        _nextIndexOffset = active.Index.Count == 0 ? long.MinValue : active.Index.Entries[^1].Offset + options.IndexIntervalBytes;
    }

    public CommittedState Committed => Volatile.Read(ref _committed);

    /// <summary>Completes at the next commit; faulted once the log failed or closed.</summary>
    public Task CommitSignal => Volatile.Read(ref _commitSignal).Task;

    public long CommitCount => Interlocked.Read(ref _commitCount);

    public long CommittedRecordCount => Interlocked.Read(ref _committedRecordCount);

    public void Start() => _loop = Task.Run(RunAsync);

    public ValueTask<AppendResult> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken)
    {
        var encodedBytes = 0L;
        for (var i = 0; i < payloads.Count; i++)
        {
            encodedBytes += RecordHeader.Size + payloads[i].Length;
        }

        var completion = new TaskCompletionSource<AppendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException<AppendResult>(_failure);
            }

            if (_closing)
            {
                return ValueTask.FromException<AppendResult>(new ObjectDisposedException(nameof(PartitionLog), $"Partition log '{_directory}' is closed."));
            }

            // Enqueued times never go backwards, even if the clock does, so the index can binary-search them.
            var time = Math.Max(_options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), _lastEnqueuedTimeMs);
            _lastEnqueuedTimeMs = time;
            var batch = _pending;
            batch.Reserve(encodedBytes);
            var first = _nextSequenceNumber;
            for (var i = 0; i < payloads.Count; i++)
            {
                var payload = payloads[i].Span;
                var offset = _nextOffset;
                batch.Append(_nextSequenceNumber, offset, time, payload);
                if (offset >= _nextIndexOffset)
                {
                    batch.IndexEntries.Add(new IndexEntry(_nextSequenceNumber, offset, time));
                    _nextIndexOffset = offset + _options.IndexIntervalBytes;
                }

                _nextSequenceNumber++;
                _nextOffset += RecordHeader.Size + payload.Length;
            }

            batch.Waiters.Add(new CommitWaiter(completion, new AppendResult(first, _nextSequenceNumber - 1, batch.LastOffset, DateTimeOffset.FromUnixTimeMilliseconds(time))));
        }

        _wake.Writer.TryWrite(true);
        return cancellationToken.CanBeCanceled
            ? new ValueTask<AppendResult>(completion.Task.WaitAsync(cancellationToken))
            : new ValueTask<AppendResult>(completion.Task);
    }

    /// <summary>Stops accepting appends, commits every pending one and stops the writer loop.</summary>
    public async Task CloseAsync()
    {
        lock (_gate)
        {
            _closing = true;
        }

        _wake.Writer.TryComplete();
        await _loop;
        Volatile.Read(ref _commitSignal).TrySetException(new ObjectDisposedException(nameof(PartitionLog), $"Partition log '{_directory}' is closed."));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task RunAsync()
    {
        while (true)
        {
            var more = await _wake.Reader.WaitToReadAsync();
            _wake.Reader.TryRead(out _);
            while (TryTakePending(out var batch))
            {
                if (!Commit(batch))
                {
                    return;
                }
            }

            if (!more)
            {
                return;
            }
        }
    }

    private bool TryTakePending(out CommitBatch batch)
    {
        lock (_gate)
        {
            batch = _pending;
            if (batch.RecordCount == 0 || _failure is not null)
            {
                return false;
            }

            _pending = _spare ?? new CommitBatch(_pool);
            _spare = null;
            return true;
        }
    }

    private bool Commit(CommitBatch batch)
    {
        var segment = _segments.Active;
        long position = segment.Length;
        var started = Stopwatch.GetTimestamp();
        var rolled = false;
        try
        {
            if (position >= _options.SegmentBytes && !segment.IsEmpty)
            {
                segment = _segments.Roll(batch.FirstSequenceNumber, batch.FirstOffset);
                position = 0;
                rolled = true;
            }

            Debug.Assert(batch.FirstOffset == segment.BaseOffset + position, "Offsets are byte positions in the log.");
            segment.File.Write(batch.Data, position);
            segment.File.FlushToDisk();
        }
        catch (Exception exception)
        {
            Fail(segment, position, batch, exception);
            return false;
        }

        if (rolled)
        {
            _rolled?.Invoke();
        }

        try
        {
            PartitionLogInstruments.RecordCommit(_partition, batch.RecordCount, batch.Length, started);
            Publish(segment, position, batch);
            return true;
        }
        catch (Exception exception)
        {
            // Publishing is in-memory only; failing here is a bug, but the log must still stop
            // rather than leave appenders waiting forever.
            Fail(segment, position, batch, exception);
            return false;
        }
    }

    private void Publish(Segment segment, long position, CommitBatch batch)
    {
        if (segment.IsEmpty)
        {
            segment.Index.Add(new IndexEntry(batch.FirstSequenceNumber, batch.FirstOffset, batch.FirstEnqueuedTimeMs));
        }

        foreach (var entry in batch.IndexEntries)
        {
            segment.Index.Add(entry);
        }

        segment.Advance(batch.LastSequenceNumber, batch.LastOffset, batch.LastEnqueuedTimeMs, position + batch.Length);

        // The cache must hold a batch before it is published as committed, so a reader that sees
        // the new state never misses its records in the cache.
        _cache.Add(batch.DetachBuffer(), batch.Length, batch.FirstSequenceNumber, batch.LastSequenceNumber);
        Volatile.Write(ref _committed, new CommittedState(batch.LastSequenceNumber + 1, batch.LastOffset, batch.LastEnqueuedTimeMs));
        Interlocked.Increment(ref _commitCount);
        Interlocked.Add(ref _committedRecordCount, batch.RecordCount);

        foreach (var waiter in batch.Waiters)
        {
            waiter.Completion.TrySetResult(waiter.Result);
        }

        batch.Reset();
        lock (_gate)
        {
            _spare = batch;
        }

        Interlocked.Exchange(ref _commitSignal, NewSignal()).TrySetResult();
    }

    private void Fail(Segment segment, long position, CommitBatch batch, Exception exception)
    {
        var failure = new PartitionLogFailedException(
            $"Partition log '{_directory}' failed to write or fsync segment file '{segment.Path}' at byte {position}; " +
            "none of the failed batch's records were acknowledged. Appends fail until the log is reopened, which recovers the durable prefix.",
            exception);
        CommitBatch pending;
        lock (_gate)
        {
            _failure = failure;
            pending = _pending;
        }

        PartitionLog.LogWriteFailed(_logger, exception, segment.Path, position);
        try
        {
            // Best effort: drop the bytes of the failed batch so a reopen does not find records
            // whose appends were reported as failed.
            segment.File.SetLength(segment.Length);
        }
        catch (Exception truncateException)
        {
            PartitionLog.LogTruncateAfterFailureFailed(_logger, truncateException, segment.Path, segment.Length);
        }

        FaultWaiters(batch, failure);
        FaultWaiters(pending, failure);
        Volatile.Read(ref _commitSignal).TrySetException(failure);
    }

    private static void FaultWaiters(CommitBatch batch, PartitionLogFailedException failure)
    {
        foreach (var waiter in batch.Waiters)
        {
            waiter.Completion.TrySetException(failure);
        }

        batch.Reset();
    }
}
