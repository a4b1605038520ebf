using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Log.Diagnostics;
using Orleans.EventPipeline.EventHubsEmulator.Log.Format;
using Orleans.EventPipeline.EventHubsEmulator.Log.Reading;
using Orleans.EventPipeline.EventHubsEmulator.Log.Segments;
using Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Commit;

/// <summary>
/// Group commit. Appenders encode their records into the pending batch under a short lock and
/// wait; one writer loop swaps the pending batch out, writes it with one positional write,
/// fsyncs once, publishes the new committed state and only then completes every waiter of the
/// batch. While that fsync runs the next batch fills, so concurrent appends share fsyncs.
/// After a write or fsync error (a full disk, an I/O error) every waiting append faults with a
/// <see cref="PartitionLogFailedException"/>, the refused bytes are cut off, and appends are refused
/// until a recovery attempt (every <see cref="PartitionLogOptions.FailureRetryInterval"/>) proves the
/// disk takes a write and an fsync again; then the log goes on without a reopen. Nothing unsynced is
/// ever acknowledged, and nothing refused is ever stored: the next accepted append reuses the
/// refused records' sequence numbers and offsets and overwrites their place.
/// The loop runs on a thread of its own, not the thread pool: it blocks in write and fsync (0.3 ms
/// for 100 KB, 1-6 ms for 1 MB on the benchmark's disk), and on 2 cores 4 partitions blocked there
/// would hold every pool thread the AMQP I/O callbacks need until the pool grows (about one thread
/// per 500 ms).
/// </summary>
internal sealed class GroupCommitWriter
{
    /// <summary>64 KiB: sixteen 4 KiB pages, enough to show the file system allocates space again, small enough to cost nothing.</summary>
    private const int ProbeBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly SegmentSet _segments;
    private readonly TailCache _cache;
    private readonly PartitionLogOptions _options;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly string _partition;
    /// <summary>Guards <see cref="_wakeRequested"/>, set by appenders and by close, cleared by the loop before it takes the pending batch.</summary>
    private readonly object _wakeGate = new();
    private bool _wakeRequested;

    private readonly ArrayPool<byte> _pool;
    private readonly Action? _rolled;
    private CommitBatch _pending;
    private CommitBatch? _spare;
    private long _nextSequenceNumber;
    private long _nextOffset;
    private long _lastEnqueuedTimeMs;
    private long _nextIndexOffset;
    private readonly TaskCompletionSource _closed = NewSignal();
    private PartitionLogFailedException? _failure;
    private bool _recoverable;
    private bool _refusedBytesCut = true;
    private PartitionLogHealth _health = PartitionLogHealth.Writable;
    private bool _closing;
    private readonly TaskCompletionSource _loopEnded = NewSignal();

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
        _nextIndexOffset = NextIndexOffset(segments.Active, options.IndexIntervalBytes);
    }

    public CommittedState Committed => Volatile.Read(ref _committed);

    public PartitionLogHealth Health => Volatile.Read(ref _health);

    /// <summary>Completes at the next commit; faulted once the log failed or closed.</summary>
    public Task CommitSignal => Volatile.Read(ref _commitSignal).Task;

    public long CommitCount => Interlocked.Read(ref _commitCount);

    public long CommittedRecordCount => Interlocked.Read(ref _committedRecordCount);

    public void Start()
    {
        // One thread per partition, with a small stack: the loop is shallow and spends its life in
        // write, fsync or the wait for the next append. A background thread never holds the process open.
        var thread = new Thread(Run, maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = $"log-commit {_partition}",
        };
        thread.Start();
    }

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
            if (_closing)
            {
                return ValueTask.FromException<AppendResult>(new ObjectDisposedException(nameof(PartitionLog), $"Partition log '{_directory}' is closed."));
            }

            if (_failure is not null)
            {
                return ValueTask.FromException<AppendResult>(_failure);
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

        Wake();
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

        Wake();
        _closed.TrySetResult();
        await _loopEnded.Task.ConfigureAwait(false);
        Volatile.Read(ref _commitSignal).TrySetException(new ObjectDisposedException(nameof(PartitionLog), $"Partition log '{_directory}' is closed."));
    }

    private void Wake()
    {
        lock (_wakeGate)
        {
            _wakeRequested = true;
            Monitor.Pulse(_wakeGate);
        }
    }

    private void WaitForWake()
    {
        lock (_wakeGate)
        {
            while (!_wakeRequested)
            {
                Monitor.Wait(_wakeGate);
            }

            _wakeRequested = false;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static long NextIndexOffset(Segment active, int indexIntervalBytes) =>
        active.Index.Count == 0 ? long.MinValue : active.Index.Entries[^1].Offset + indexIntervalBytes;

    private void Run()
    {
        try
        {
            RunLoop();
            _loopEnded.TrySetResult();
        }
        catch (Exception exception)
        {
            // Commit catches what write and fsync throw; anything else is a bug, reported by CloseAsync.
            _loopEnded.TrySetException(exception);
        }
    }

    private void RunLoop()
    {
        while (true)
        {
            if (Volatile.Read(ref _failure) is not null)
            {
                if (!_recoverable || !WaitBeforeRecovery())
                {
                    CutRefusedBytesBeforeClosing();
                    return;
                }

                TryRecover();
                continue;
            }

            WaitForWake();
            // Read before taking the pending batch: an append accepted before close is then taken below.
            bool closing;
            lock (_gate)
            {
                closing = _closing;
            }

            while (TryTakePending(out var batch))
            {
                if (!Commit(batch))
                {
                    break;
                }
            }

            if (closing && Volatile.Read(ref _failure) is null)
            {
                return;
            }
        }
    }

    /// <summary>Waits one retry interval; false once the log is closing.</summary>
    private bool WaitBeforeRecovery()
    {
        // Blocking is fine here: this is the log's own thread, not a pool thread.
        var retry = Task.Delay(_options.FailureRetryInterval, _options.TimeProvider);
        return Task.WhenAny(retry, _closed.Task).GetAwaiter().GetResult() == retry;
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
            Fail(segment, position, batch, exception, recoverable: true);
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
            // rather than leave appenders waiting forever. The in-memory state may be half
            // updated, so only a reopen (which rebuilds it from the files) is safe.
            Fail(segment, position, batch, exception, recoverable: false);
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
        _cache.Add(batch.TakeData(), batch.Length, batch.FirstSequenceNumber, batch.LastSequenceNumber);
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

    private void Fail(Segment segment, long position, CommitBatch batch, Exception exception, bool recoverable)
    {
        var outOfSpace = StorageErrors.IsOutOfSpace(exception);
        var failure = new PartitionLogFailedException(
            $"Partition log '{_directory}' could not write or fsync segment file '{segment.Path}' at byte {position}: {exception.Message} " +
            (recoverable
                ? $"Nothing of the failed append was acknowledged or stored. Appends are refused until the log recovers (it retries every {_options.FailureRetryInterval.TotalSeconds:0.###} s{(outOfSpace ? ", once disk space is freed" : string.Empty)})."
                : "Nothing of the failed append was acknowledged. Appends are refused until the log is reopened."),
            exception,
            outOfSpace);
        CommitBatch pending;
        lock (_gate)
        {
            _failure = failure;
            _recoverable = recoverable;
            pending = _pending;
            if (recoverable)
            {
                // Every queued record was numbered after the refused batch; the next accepted
                // append takes the refused batch's sequence numbers and offsets instead.
                var active = _segments.Active;
                _nextSequenceNumber = _committed.NextSequenceNumber;
                _nextOffset = active.BaseOffset + active.Length;
                _nextIndexOffset = NextIndexOffset(active, _options.IndexIntervalBytes);
            }
        }

        Volatile.Write(ref _health, new PartitionLogHealth(false, failure.Message, _options.TimeProvider.GetUtcNow(), outOfSpace));
        PartitionLog.LogWriteFailed(_logger, exception, segment.Path, position, recoverable ? "retries on its own" : "must be reopened");

        // Cut the refused bytes and make the cut durable before anyone hears of the failure, so a
        // crash now cannot bring back, as stored, records whose appends are reported as failed.
        _refusedBytesCut = TryCutRefusedBytes(segment);
        FaultWaiters(batch, failure);
        FaultWaiters(pending, failure);
        lock (_gate)
        {
            _spare ??= batch;
        }

        if (!recoverable)
        {
            Volatile.Read(ref _commitSignal).TrySetException(failure);
        }
    }

    private bool TryCutRefusedBytes(Segment segment)
    {
        try
        {
            CutToCommittedLength(segment);
            return true;
        }
        catch (Exception exception)
        {
            PartitionLog.LogTruncateAfterFailureFailed(_logger, exception, segment.Path, segment.Length);
            return false;
        }
    }

    private static void CutToCommittedLength(Segment segment)
    {
        segment.File.SetLength(segment.Length);
        segment.File.FlushToDisk();
    }

    /// <summary>
    /// One recovery attempt, on the writer loop while appends are refused: cut the refused bytes,
    /// prove the disk takes a write and an fsync again with a probe at the tail (then cut it off),
    /// and re-read the committed tail. Only if every step succeeds are appends accepted again.
    /// </summary>
    /// <remarks>
    /// A failed fsync may have left the failed bytes marked clean in the page cache though they
    /// never reached the disk, and retrying the fsync then reports success: so the failed bytes
    /// are never fsync'd again and trusted, they are cut and later rewritten from scratch. The
    /// committed bytes before them were confirmed by earlier successful fsyncs. The segment keeps
    /// its handle: positional I/O has no user-space buffer or file position to poison, and Linux
    /// reports a writeback error once per open file, so a new handle would not learn more.
    /// </remarks>
    private void TryRecover()
    {
        var segment = _segments.Active;
        try
        {
            CutToCommittedLength(segment);
            _refusedBytesCut = true;
            WriteProbe(segment);
            VerifyCommittedTail(segment);
        }
        catch (Exception exception)
        {
            var health = Health;
            Volatile.Write(ref _health, health with { Reason = $"{_failure?.Message} Last recovery attempt: {exception.Message}", OutOfSpace = health.OutOfSpace || StorageErrors.IsOutOfSpace(exception) });
            PartitionLog.LogRecoveryFailed(_logger, exception, _directory);
            return;
        }

        var since = Health.Since;
        lock (_gate)
        {
            _failure = null;
        }

        Volatile.Write(ref _health, PartitionLogHealth.Writable);
        PartitionLog.LogRecovered(_logger, _directory, since ?? _options.TimeProvider.GetUtcNow());
    }

    /// <summary>
    /// Writes <see cref="ProbeBytes"/> zero bytes after the committed end, fsyncs, and cuts them
    /// off again. A crash in between leaves zeros after the last record: a torn tail, cut at open.
    /// </summary>
    private void WriteProbe(Segment segment)
    {
        var probe = _pool.Rent(ProbeBytes);
        try
        {
            Array.Clear(probe, 0, ProbeBytes);
            segment.File.Write(probe.AsSpan(0, ProbeBytes), segment.Length);
            segment.File.FlushToDisk();
        }
        finally
        {
            _pool.Return(probe);
            CutToCommittedLength(segment);
        }
    }

    /// <summary>Re-reads the records after the segment's last index entry and checks each (framing, position, checksum).</summary>
    private static void VerifyCommittedTail(Segment segment)
    {
        if (segment.IsEmpty)
        {
            return;
        }

        using var cursor = new RecordCursor(segment, segment.Index.Entries[^1], segment.Length);
        var last = -1L;
        while (cursor.MoveNext())
        {
            last = cursor.Current.SequenceNumber;
        }

        if (last != segment.LastSequenceNumber)
        {
            throw new LogCorruptionException($"The committed tail of segment file '{segment.Path}' ends at sequence number {last}, not {segment.LastSequenceNumber}.");
        }
    }

    private void CutRefusedBytesBeforeClosing()
    {
        if (!_refusedBytesCut)
        {
            // Last chance: refused bytes left at the tail would be recovered at the next open as if stored.
            _refusedBytesCut = TryCutRefusedBytes(_segments.Active);
        }
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
