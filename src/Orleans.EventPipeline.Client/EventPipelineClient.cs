using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Client.Batching;
using Orleans.EventPipeline.Client.Diagnostics;
using Orleans.EventPipeline.Client.Sending;
using Orleans.EventPipeline.Client.Spool;

namespace Orleans.EventPipeline.Client;

/// <summary>
/// Sends events to the gateway (<c>POST /v1/events</c>) so that none is lost to a network cut, a gateway outage or
/// a crash of this process: events are batched (by count, bytes and time), each batch is written to the on-disk
/// spool with its idempotency key and fsync'd, then sent, one batch at a time in spool order, and retried until
/// the gateway acknowledges it; only then is it removed. After a restart the spooled batches are sent first, under
/// their original keys, so a batch the gateway stored before the crash is not stored again.
/// </summary>
/// <remarks>
/// Events still in the batch being filled (at most <see cref="EventPipelineClientOptions.MaxBatchDelay"/> old)
/// are in memory only: <see cref="FlushAsync"/> spools them. A source that can re-read its input passes a
/// <see cref="SourceCheckpoint"/>; it is stored with the batch holding those events, and
/// <see cref="Checkpoints"/> gives it back after a restart, so the source resumes exactly after what was spooled.
/// </remarks>
public sealed class EventPipelineClient : IAsyncDisposable
{
    private readonly EventPipelineClientOptions _options;
    private readonly ILogger _logger;
    private readonly DiskSpool _spool;
    private readonly HttpClient _http;
    private readonly BatchSender _sender;
    private readonly ClientInstruments _instruments;
    private readonly BatchBuilder _batch = new();
    private readonly Dictionary<string, string> _checkpoints;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly SemaphoreSlim _appended = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _removed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Set under _write by DisposeAsync: every call that takes _write after it throws ObjectDisposedException, so a call that
    // returned normally had its events added before dispose's last cut (4 producers lost 47 calls to a dispose without it).
    private bool _disposed;
    // Completed by DisposeAsync, so waits (a producer on a full spool, DrainAsync) end instead of hanging for ever.
    private readonly TaskCompletionSource _closing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _sending;
    private Task? _cutting;

    // A full spool disk is waited out, not failed: the cut is retried this often (the producers wait meanwhile), and
    // the wait logged once, then again at most once a minute.
    private static readonly TimeSpan DiskFullRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan DiskFullLogEvery = TimeSpan.FromMinutes(1);
    private DateTimeOffset? _diskFullSince;
    private DateTimeOffset _diskFullLogged;

    /// <summary>Opens (and recovers) the spool; sending begins with <see cref="Start"/>.</summary>
    /// <exception cref="ArgumentException">The options are not usable; the message names every problem.</exception>
    /// <exception cref="IOException">The spool directory is held by another client, or cannot be read.</exception>
    public EventPipelineClient(EventPipelineClientOptions options, ILogger<EventPipelineClient>? logger = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid EventPipelineClientOptions: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _logger = logger ?? NullLogger<EventPipelineClient>.Instance;
        // Segments small enough that acknowledged ones are deleted well before the bound: 16 MiB, or a quarter of a small spool.
        // .damaged files count in the bound, kept to what a call of MaxCallBytes and the spool's kept rooms leave: once the
        // batches are sent, a call fits.
        _spool = DiskSpool.Open(options.SpoolDirectory, Math.Min(16L * 1024 * 1024, options.MaxSpoolBytes / 4), MaxDamagedBytes);
        _checkpoints = new Dictionary<string, string>(_spool.Checkpoints, StringComparer.Ordinal);
        _instruments = new ClientInstruments(() => _spool.Bytes, () => _spool.Count, () => _spool.DiskBytes, () => _spool.DamagedBytes);
        // Connections are renewed every 5 minutes, so a gateway behind DNS or a load balancer that moves is followed.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _http.Timeout = options.RequestTimeout;
        _sender = new BatchSender(_http, options, _instruments, (batch, reason) => ClientLog.Retrying(_logger, batch.Key, batch.EventCount, reason));
        var recovery = _spool.Recovery;
        if (recovery.Batches > 0)
        {
            ClientLog.Recovered(_logger, options.SpoolDirectory, recovery.Batches, recovery.Events, recovery.Bytes);
        }

        foreach (var damage in recovery.Damage)
        {
            ClientLog.Damaged(_logger, damage.Segment, damage.Offset, damage.Reason, damage.BytesLost);
        }

        foreach (var (path, bytes) in _spool.DamagedDeleted)
        {
            ClientLog.DamagedDeleted(_logger, path, bytes, MaxDamagedBytes);
        }
    }

    /// <summary>The meter's name, for a <see cref="System.Diagnostics.Metrics.MeterListener"/> or an OpenTelemetry exporter.</summary>
    public const string MeterName = ClientInstruments.MeterName;

    /// <summary>Some events of an acknowledged batch were refused by the gateway (and kept in the tenant's dead letters).</summary>
    public event EventHandler<EventsRejectedEventArgs>? EventsRejected;

    /// <summary>A whole batch was refused with a 4xx that is not retried, and removed from the spool.</summary>
    public event EventHandler<BatchFailedEventArgs>? BatchFailed;

    /// <summary>What opening the spool found: batches to send first, and any unreadable part left out.</summary>
    public SpoolRecovery Recovery => _spool.Recovery;

    /// <summary>Each source's position after the newest spooled batch when the client opened: where sources resume.</summary>
    public IReadOnlyDictionary<string, string> Checkpoints => _spool.Checkpoints;

    /// <summary>
    /// The most bytes (each event's length plus one) one <see cref="SendAsync(IReadOnlyList{ReadOnlyMemory{byte}}, SourceCheckpoint?, CancellationToken)"/>
    /// call may hold: half of <see cref="EventPipelineClientOptions.MaxSpoolBytes"/>, so a call always fits beside the
    /// batch being sent. A producer with more splits it into calls of at most this.
    /// </summary>
    public long MaxCallBytes => _options.MaxSpoolBytes / 2;

    // At least 0: the options keep MaxSpoolBytes at twice KeptRoomBytes or more.
    private long MaxDamagedBytes => _options.MaxSpoolBytes - MaxCallBytes - DiskSpool.KeptRoomBytes;

    /// <summary>
    /// What counts in MaxSpoolBytes besides the batch being filled: the spool's files (segments with their acknowledged
    /// batches until the segment goes, <c>.damaged</c> files; not the head) and the rooms kept for the reserve and a split record.
    /// </summary>
    private long SpoolHeld => _spool.DiskBytes;

    /// <summary>The client's numbers; the <c>.damaged</c> files are counted again (a listing of the directory) when there are any.</summary>
    public ClientStatistics Statistics
    {
        get
        {
            _spool.RecountDamaged();
            return _instruments.Snapshot(_spool.Bytes, _spool.Count) with
            {
                SpoolDiskBytes = _spool.DiskBytes,
                DamagedBytes = _spool.DamagedBytes,
                DamagedFiles = _spool.DamagedFiles,
                SplitRecordBytes = _spool.SplitBytes,
            };
        }
    }

    /// <summary>Starts sending spooled batches (the recovered ones first) and cutting batches on time.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_closing.Task.IsCompleted, this);
        if (_sending is not null)
        {
            return;
        }

        _sending = Task.Run(() => SendLoopAsync(_stopping.Token));
        _cutting = Task.Run(() => CutLoopAsync(_stopping.Token));
    }

    /// <summary>Takes one event; see <see cref="SendAsync(IReadOnlyList{ReadOnlyMemory{byte}}, SourceCheckpoint?, CancellationToken)"/>.</summary>
    public Task SendAsync(ReadOnlyMemory<byte> item, SourceCheckpoint? checkpoint = null, CancellationToken cancellationToken = default) =>
        SendAsync([item], checkpoint, cancellationToken);

    /// <summary>
    /// Takes events (each one JSON value or one text line, without a line break) into the batch being filled; they
    /// all go into the same batch. <paramref name="checkpoint"/>, when given, is where its source is after them.
    /// Returns once they are taken, not once they are sent: events reach the spool when their batch is cut.
    /// </summary>
    /// <exception cref="ArgumentException">An event is blank or holds a line break (the gateway would not see it as one event), or the call is larger than the spool.</exception>
    /// <exception cref="SpoolFullException">Under <see cref="SpoolFullMode.Fail"/>, the spool is full; nothing was taken.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed, or was while this call waited for room; nothing of this call was taken.</exception>
    public async Task SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> events, SourceCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        for (var i = 0; i < events.Count; i++)
        {
            if (BatchBuilder.Problem(events[i].Span) is { } problem)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Event {i} cannot be sent: {problem}."), nameof(events));
            }
        }

        var bytes = BatchBuilder.Measure(events);
        if (bytes > MaxCallBytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The call's {events.Count} events take {bytes} bytes, more than half of MaxSpoolBytes ({_options.MaxSpoolBytes}); send them in smaller calls."), nameof(events));
        }

        while (true)
        {
            Task removed;
            await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                removed = _removed.Task;
                if (_batch.Count > 0 && _batch.Bytes + bytes > _options.MaxBatchBytes && SpoolHeld + _batch.Bytes + bytes <= _options.MaxSpoolBytes && !TryCutLocked())
                {
                    // The spool's disk is full: the batch stays in memory and this call waits (the source with it), then tries again.
                    removed = Task.Delay(DiskFullRetry, _options.TimeProvider, cancellationToken);
                }
                else if (SpoolHeld + _batch.Bytes + bytes <= _options.MaxSpoolBytes)
                {
                    _batch.Add(events, _options.TimeProvider.GetUtcNow());
                    Record(checkpoint);

                    _instruments.Queued(events.Count);
                    if (_batch.Count >= _options.MaxBatchEvents || _batch.Bytes >= _options.MaxBatchBytes)
                    {
                        // On a full disk the events are taken all the same: the next call, or the cut loop, tries again.
                        TryCutLocked();
                    }

                    return;
                }

                else if (_spool.RecountDamaged() || _spool.ReleaseAcknowledged())
                {
                    // An operator removed .damaged files, or every batch of the live segment is acknowledged and it went:
                    // their room is free again.
                    continue;
                }
                else if (_options.WhenSpoolFull == SpoolFullMode.Fail)
                {
                    throw new SpoolFullException(string.Create(CultureInfo.InvariantCulture, $"The spool's files take {_spool.DiskBytes} bytes ({_spool.Bytes} of unacknowledged batches, {_spool.DamagedBytes} of .damaged files (damaged records kept for inspection: removing them frees their room), {DiskSpool.KeptRoomBytes} kept for the reserve and a split record, the rest acknowledged batches whose segment is still in use) and {_batch.Bytes} are in the batch being filled; {bytes} more would pass MaxSpoolBytes ({_options.MaxSpoolBytes}). Nothing of this call was taken."))
                    {
                        MaxSpoolBytes = _options.MaxSpoolBytes,
                    };
                }
            }
            finally
            {
                _write.Release();
            }

            // BlockProducer: wait for an acknowledgment to free room (or the disk-full retry), then try again; a dispose
            // meanwhile ends the wait, and the next try throws.
            await Task.WhenAny(removed, _closing.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cuts the batch being filled and returns once it is in the spool (fsync'd); on a full disk, waits for room.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (TryCutLocked())
                {
                    return;
                }
            }
            finally
            {
                _write.Release();
            }

            await Task.Delay(DiskFullRetry, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Flushes, then waits until every spooled batch is done (acknowledged or refused): the spool is empty.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var removed = Volatile.Read(ref _removed).Task;
            ObjectDisposedException.ThrowIf(_closing.Task.IsCompleted, this);
            if (_spool.Count == 0)
            {
                return;
            }

            await Task.WhenAny(removed, _closing.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Spools the batch being filled and stops sending; what is not yet acknowledged stays spooled for the next start.
    /// Calls after it throw <see cref="ObjectDisposedException"/>, and so do calls waiting in it (a producer on a full
    /// spool, <see cref="DrainAsync"/>); a second dispose does nothing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var first = false;
        await _write.WaitAsync().ConfigureAwait(false);
        try
        {
            first = !_disposed;
            _disposed = true;
            if (first)
            {
                // One try: on a full disk the events in memory are not spooled (logged); a source that can read them again does.
                TryCutLocked();
            }
        }
        finally
        {
            _write.Release();
            if (first)
            {
                await StopAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task StopAsync()
    {
        _closing.TrySetResult();
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _sending, _cutting })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _http.Dispose();
        _spool.Dispose();
        _instruments.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Records where a source is without events (one that starts at the end of what is there): spooled at once, in a
    /// record of no events that the sender passes over, when no batch is being filled; else with that batch. Either way
    /// after every event taken before it, so a restart resumes from it.
    /// </summary>
    public async Task SaveCheckpointAsync(SourceCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Record(checkpoint);
            if (_batch.Count == 0)
            {
                // On a full disk it rides with the next batch instead.
                TryCutLocked(evenEmpty: true);
            }
        }
        finally
        {
            _write.Release();
        }
    }

    private void Record(SourceCheckpoint? checkpoint)
    {
        if (checkpoint is { Position.Length: 0 } done)
        {
            _checkpoints.Remove(done.Source);
        }
        else if (checkpoint is { } position)
        {
            _checkpoints[position.Source] = position.Position;
        }
    }

    private void CutLocked(bool evenEmpty = false)
    {
        if (_batch.Count == 0 && !evenEmpty)
        {
            return;
        }

        var count = _batch.Count;
        var body = _batch.Body(_options.Compress);
        _spool.Append(new SpooledBatch(_spool.NextSequence, Guid.NewGuid(), count, _options.Compress, _options.ContentType, CheckpointCodec.Encode(_checkpoints), body));
        _batch.Clear();
        _appended.Release();
    }

    /// <summary>Cuts as <see cref="CutLocked"/>; false when the spool's disk is full (the batch stays, logged once, then once a minute).</summary>
    private bool TryCutLocked(bool evenEmpty = false)
    {
        var now = _options.TimeProvider.GetUtcNow();
        try
        {
            CutLocked(evenEmpty);
        }
        catch (IOException e) when (DiskSpool.IsDiskFull(e))
        {
            if (_diskFullSince is null || now - _diskFullLogged >= DiskFullLogEvery)
            {
                ClientLog.DiskFull(_logger, _options.SpoolDirectory, e.Message, DiskFullRetry);
                _diskFullLogged = now;
            }

            _diskFullSince ??= now;
            return false;
        }

        if (_diskFullSince is { } since)
        {
            ClientLog.DiskRoom(_logger, _options.SpoolDirectory, now - since);
            _diskFullSince = null;
        }

        return true;
    }

    private async Task CutLoopAsync(CancellationToken cancellationToken)
    {
        // Looks four times per MaxBatchDelay, so a batch waits at most 1.25 times it.
        var tick = _options.MaxBatchDelay / 4;
        try
        {
            while (true)
            {
                await Task.Delay(tick, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (_batch.FirstEventAt is { } first && _options.TimeProvider.GetUtcNow() - first >= _options.MaxBatchDelay)
                    {
                        TryCutLocked();
                    }
                }
                finally
                {
                    _write.Release();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        // The loop ends only with the client: an error it did not expect (a handler's bug, a spool it cannot read) stopped
        // it for good, with SendAsync still taking events, DrainAsync never returning and nothing sent until a restart.
        // Now the batch is tried again after the backoff, and Statistics.SendingProblem says why meanwhile.
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!_spool.TryPeek(out var entry))
                {
                    await _appended.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await SendOneAsync(entry, cancellationToken).ConfigureAwait(false);
                if (failures > 0)
                {
                    failures = 0;
                    _instruments.SendingProblem(null);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var wait = BatchSender.Backoff(_options, failures++);
                ClientLog.SenderFailed(_logger, e, wait);
                _instruments.SendingProblem($"{e.GetType().Name}: {e.Message}");
                try
                {
                    await Task.Delay(wait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task SendOneAsync(SpoolEntry entry, CancellationToken cancellationToken)
    {
        var batch = DiskSpool.Read(entry, out var problem);
        if (batch is null)
        {
            ClientLog.Unreadable(_logger, entry.Sequence, problem!, entry.EventCount);
            _instruments.Failed(entry.EventCount);
            await RemoveAsync(entry, [], cancellationToken).ConfigureAwait(false);
            return;
        }

        if (batch.EventCount == 0)
        {
            // A source's position alone (SaveCheckpointAsync): nothing to send, the head takes it.
            await RemoveAsync(entry, batch.Checkpoints, cancellationToken).ConfigureAwait(false);
            return;
        }

        _instruments.InFlight(1);
        try
        {
            await SendPartAsync(batch, batch, 1, 0, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _instruments.InFlight(-1);
        }

        await RemoveAsync(entry, batch.Checkpoints, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="part"/> (the spooled batch <paramref name="spooled"/>, or a part of it, at
    /// <paramref name="place"/> in its halving: <see cref="SpoolSplits"/>) and reports its outcome; a 413 for a body of
    /// more than one event is split in halves, each sent the same way. Rejected events are reported under the spooled
    /// batch's key with their index in it (<paramref name="offset"/> + their index here).
    /// </summary>
    /// <remarks>
    /// The gateway takes 10 MiB on the wire by default, and one call's events always share a batch, so a batch may be
    /// larger (118 events of 133 KB were 15.7 MB, and were dropped whole). Halves are not spooled: the batch stays at the
    /// head until every half is done, each half under a key derived from its parent's. The split is recorded in the
    /// spool before the first half is sent, so after a crash a part once split is split again the same way (halves by
    /// count), never sent whole: the halves the gateway already stored are answered, not stored again, also when its body
    /// limit was raised meanwhile and would take the whole.
    /// </remarks>
    private async Task SendPartAsync(SpooledBatch spooled, SpooledBatch part, ulong place, int offset, List<ReadOnlyMemory<byte>>? events, CancellationToken cancellationToken)
    {
        if (_spool.WasSplit(spooled.Sequence, place))
        {
            events ??= BatchBodies.Events(part.Body, part.Gzip);
            if (events.Count > 1)
            {
                await SendHalvesAsync(spooled, part, place, offset, events, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        var outcome = await _sender.SendAsync(part, cancellationToken).ConfigureAwait(false);
        if (outcome.Answer is { } answer)
        {
            if (answer.Rejected.Count > 0)
            {
                ClientLog.Rejected(_logger, part.Key, answer.Rejected.Count, part.EventCount, answer.Rejected[0].Reason);
                events ??= BatchBodies.Events(part.Body, part.Gzip);
                var rejected = answer.Rejected
                    .Select(r => new RejectedEvent(offset + r.Index, r.Reason, r.Index >= 0 && r.Index < events.Count ? events[r.Index] : ReadOnlyMemory<byte>.Empty))
                    .ToList();
                Raise(EventsRejected, new EventsRejectedEventArgs(spooled.Key, rejected), nameof(EventsRejected));
            }

            _instruments.Acknowledged(part.EventCount, answer.Rejected.Count);
            return;
        }

        events ??= BatchBodies.Events(part.Body, part.Gzip);
        if (outcome.Status == System.Net.HttpStatusCode.RequestEntityTooLarge && events.Count > 1)
        {
            ClientLog.Splitting(_logger, part.Key, part.EventCount, part.Body.Length, events.Count / 2, events.Count - (events.Count / 2));
            try
            {
                if (_spool.MarkSplit(spooled, place) is { } full)
                {
                    // Past 4,096 parts of one batch: sent all the same; a restart may send the unrecorded ones whole.
                    ClientLog.SplitNotRecorded(_logger, part.Key, full);
                }
            }
            catch (IOException e) when (DiskSpool.IsDiskFull(e))
            {
                // Not waited for: on a disk the spool's own segments filled, only sending this batch frees room. Unrecorded,
                // a restart sends this part whole, as before the record existed: doubles only with a raised body limit.
                ClientLog.SplitNotRecorded(_logger, part.Key, e.Message);
            }

            await SendHalvesAsync(spooled, part, place, offset, events, cancellationToken).ConfigureAwait(false);
            return;
        }

        // One event over the gateway's body limit, or a 4xx no retry changes: reported with its events, for the caller to
        // keep, under the spooled batch's key as EventsRejected is (a half's derived key names nothing the caller knows).
        ClientLog.Refused(_logger, part.Key, part.EventCount, (int)outcome.Status, outcome.Detail);
        _instruments.Failed(part.EventCount);
        Raise(BatchFailed, new BatchFailedEventArgs(spooled.Key, part.EventCount, outcome.Status, outcome.Detail) { Events = events }, nameof(BatchFailed));
    }

    /// <summary>Sends the two halves (by count) of <paramref name="part"/>, at places 2 <paramref name="place"/> and 2 <paramref name="place"/> + 1.</summary>
    private async Task SendHalvesAsync(SpooledBatch spooled, SpooledBatch part, ulong place, int offset, List<ReadOnlyMemory<byte>> events, CancellationToken cancellationToken)
    {
        var half = events.Count / 2;
        var first = events.GetRange(0, half);
        var second = events.GetRange(half, events.Count - half);
        await SendPartAsync(spooled, Half(part, first, 0), 2 * place, offset, first, cancellationToken).ConfigureAwait(false);
        await SendPartAsync(spooled, Half(part, second, 1), (2 * place) + 1, offset + half, second, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Half <paramref name="which"/> (0 or 1) of <paramref name="parent"/>: its events, framed and compressed as the parent, under a key derived from the parent's.</summary>
    private static SpooledBatch Half(SpooledBatch parent, List<ReadOnlyMemory<byte>> events, byte which)
    {
        var builder = new BatchBuilder();
        builder.Add(events, DateTimeOffset.UnixEpoch);
        // The same parent key and half give the same key on every attempt and after a restart: SHA-256 of both, 16 bytes.
        Span<byte> seed = stackalloc byte[17];
        parent.IdempotencyKey.TryWriteBytes(seed);
        seed[16] = which;
        var key = new Guid(System.Security.Cryptography.SHA256.HashData(seed)[..16]);
        return parent with { IdempotencyKey = key, EventCount = events.Count, Body = builder.Body(parent.Gzip) };
    }

    private async Task RemoveAsync(SpoolEntry entry, byte[] checkpoints, CancellationToken cancellationToken)
    {
        var logged = DateTimeOffset.MinValue;
        while (true)
        {
            try
            {
                _spool.Remove(entry, checkpoints);
                break;
            }
            catch (IOException e) when (DiskSpool.IsDiskFull(e))
            {
                // The head cannot be written on a full disk: the batch stays first, not sent again while this runs.
                var now = _options.TimeProvider.GetUtcNow();
                if (now - logged >= DiskFullLogEvery)
                {
                    ClientLog.HeadNotWritten(_logger, _options.SpoolDirectory, entry.Sequence, e.Message, DiskFullRetry);
                    logged = now;
                }

                await Task.Delay(DiskFullRetry, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        Interlocked.Exchange(ref _removed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
    }

    private void Raise<T>(EventHandler<T>? handler, T args, string name)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception e)
        {
            ClientLog.HandlerFailed(_logger, e, name);
        }
    }
}
