using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Deduplication;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// One tenant stream key's normalize, enrich and archive stages, fed by the durable raw stream. The
/// archive is keyed by raw-stream sequence numbers, where every acknowledged event appears once: after a
/// crash the receivers replay from their checkpoint, batches at or below the persisted
/// <see cref="ProcessorState.ArchivedThrough"/> are skipped and the rest rebuild the same objects, under the settings
/// recorded with the state (<see cref="ProcessorState.SettingsVersion"/>), so that each event ends where it ended the
/// first time, in the archive or in the dead letters. Each batch then goes on, parsed and enriched, to the key's
/// <see cref="EventOrderGrain"/> when the tenant orders its events.
/// </summary>
/// <remarks>
/// Placed on the silo that activates it, which is the silo whose receiver delivers its stream's first
/// batch: the checkpoint holds it places live in that silo's memory, and the silo's receiver checkpoints
/// by them. A processor whose silo dies then dies with the receiver that fed it, and whichever silo
/// reads the partition next replays from the held checkpoint. When its partition moves to another
/// silo's receiver, it writes its buffer and migrates there.
/// </remarks>
[ImplicitStreamSubscription(PipelineStreams.Raw)]
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
[PreferLocalPlacement]
public sealed partial class TenantStreamProcessorGrain(
    [PersistentState("processor", PipelineStorage.Tenants)] IPersistentState<ProcessorState> state,
    IArchiveStore archive,
    ICheckpointHolds checkpointHolds,
    HubPartitions partitions,
    IOptions<ProcessingGrainOptions> options,
    IOptions<ArchiveOptions> archiveOptions,
    ArchiveBufferBudget bufferBudget,
    LookupDirectory lookups,
    TimeProvider timeProvider,
    ILogger<TenantStreamProcessorGrain> logger) : Grain, ITenantStreamProcessorGrain, IDisposable
{
    private readonly ProcessingGrainOptions _options = options.Value;
    private readonly ArchiveOptions _archiveOptions = archiveOptions.Value;
    private TenantStages? _stages;
    private ArchiveWriter? _writer;
    private KeyedBatchIndex? _keyed;
    private MarkedRetries? _retries;
    // Whether this activation has read back the marked retries earlier ones persisted: before its first keyed batch.
    private bool _retriesRestored;
    private TimeSpan _idempotencyWindow = TenantSettings.DefaultIdempotencyWindow;
    private IAsyncStream<DeadLetterBatch>? _deadLetters;
    private long _lastDelivered = -1;
    private long? _unfinished;
    // Settings read and waiting to apply (ApplySettingsAsync says for what); null when none waits.
    private TenantProfile? _deferred;
    // The enrichment files as they were when the stages in use were built (or last tried), and stages of the same version
    // that loaded since theirs failed, waiting to apply like new settings (EnrichmentReloaded).
    private string? _stagesFiles;
    private TenantStages? _reloaded;
    private bool _ordering;
    private bool _holdingCheckpoint;
    private DateTimeOffset? _oldestBufferedIngest;
    private DateTimeOffset _settingsReadAt;
    private string? _partition;
    private long _reportedBuffer;
    private IGrainTimer? _timer;
    private bool _idleTicks;
    private QuietTicks _quiet;
    private bool _stateUnsaved;
    private long _recordedThrough = -1;

    // The last raw sequence whose letters this activation has sent: a retry of a delivery that failed later does not send them again.
    private long _letteredThrough = -1;

    // Set on an activation that replays batches an earlier one may have sent letters or written an archive object of, not
    // recorded as archived: the last of them. New settings wait for it.
    private long? _pinnedThrough;

    // The last attempt to write the buffer failed (the archive or the grain store refused); cleared by one that succeeds.
    private bool _writeFailing;

    // Which of a run of failed ticks and writes get a warning (the first, a new error, the same once a minute).
    private RepeatedFailures _failures;
    private bool _refusing;

    // The generations a delete removed, as the tenant grain last named them (made at first use: the grain's factory).
    private RemovedGenerations? _removedGenerations;

    // The removed generation whose dropped batches were last logged: one line at Information per generation, not per batch.
    private Guid? _droppedLogged;

    private string StreamKey => this.GetPrimaryKeyString();

    /// <summary>The raw stream this grain consumes, made once: each batch asks the holds about it.</summary>
    private StreamId RawStream { get; set; }

    private string Tenant => StreamKeys.TenantOf(StreamKey);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        RawStream = StreamId.Create(PipelineStreams.Raw, StreamKey);
        await RefreshSettingsAsync();
        _writer = new ArchiveWriter(archive, Tenant, StreamKey, _archiveOptions, timeProvider, logger);
        _writer.ResumeAfter(state.State.ArchivedThrough);
        _recordedThrough = state.State.ArchivedThrough;
        _keyed = new KeyedBatchIndex(archive, Tenant, StreamKey, timeProvider);
        _retries = new MarkedRetries(timeProvider);

        var events = this.GetStreamProvider(PipelineStreams.ProviderName);
        _deadLetters = events.GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, Tenant));
        await events.GetStream<RawEventBatch>(RawStream).SubscribeAsync(OnBatchAsync);

        _timer = this.RegisterGrainTimer(OnTimerAsync, _archiveOptions.FlushCheckInterval, _archiveOptions.FlushCheckInterval);
        LogActivated(logger, StreamKey, state.State.ArchivedThrough);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await FlushArchiveAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Only shutdown and rebalancing get here with a buffer or a record behind (the timer keeps such an
            // activation from idle collection). A buffer's hold is kept: the partition's checkpoint stays before
            // its events, and the next start of this silo's receivers replays them.
            if (_writer is { BufferedEvents: > 0 } writer)
            {
                LogDeactivationFlushFailed(logger, exception, StreamKey, writer.BufferedEvents);
            }
            else
            {
                LogDeactivationRecordFailed(logger, exception, StreamKey, _writer?.ArchivedThrough ?? -1);
            }
        }
    }

    public void Dispose()
    {
        bufferBudget.Report(ref _reportedBuffer, 0);
        _writer?.Dispose();
        _stages?.Dispose();
        _reloaded?.Dispose();
    }

    public async Task<long> FlushAsync()
    {
        await FlushArchiveAsync(CancellationToken.None);
        return state.State.ArchivedThrough;
    }

    private async Task OnBatchAsync(RawEventBatch batch, StreamSequenceToken? token)
    {
        var sequence = token?.SequenceNumber ?? throw new InvalidOperationException($"Raw batch {batch.BatchId} on {StreamKey} came without a sequence token.");
        // Checked before the repeat below: the new reader replays from before what this activation buffered, and a
        // repeat taken here would count as delivered there while it is still only in this silo's memory.
        if (!checkpointHolds.IsReadHere(RawStream))
        {
            // The partition moved to another silo's receiver. Taking the batch here would put it under this
            // silo's holds, which that receiver's checkpoint does not see: a crash of this silo would then
            // lose it. Refused, the receiver retries it until this activation has written its buffer and
            // migrated to the receiver's silo, at the next tick: a quiet stream's slow ticks are sped up for it.
            LogRefusedElsewhere(logger, StreamKey, sequence);
            TickBusy();

            throw new InvalidOperationException($"Processor {StreamKey} refuses raw sequence {sequence}: its partition is read by another silo now.");
        }

        if (sequence <= _lastDelivered)
        {
            return;
        }

        if (!string.Equals(batch.TenantId, Tenant, StringComparison.Ordinal))
        {
            // Never archive or forward a foreign tenant's events; the stream key decides the tenant.
            _lastDelivered = sequence;
            LogForeignBatch(logger, StreamKey, batch.TenantId, batch.BatchId);
            return;
        }

        if (await Removed.IsRemovedAsync(batch.DataGeneration))
        {
            // Acknowledged before a delete that removed the tenant's data, reaching here after it: dropped as the operator
            // asked, like a foreign batch. It holds nothing back: a replay drops it again, from the tenant grain's record.
            _lastDelivered = sequence;
            ProcessingGrainInstruments.RecordRemovedByDelete(Tenant, "archive", batch.Count);
            if (_droppedLogged != batch.DataGeneration)
            {
                _droppedLogged = batch.DataGeneration;
                LogRemovedBatchDropped(logger, StreamKey, sequence, batch.BatchId, batch.Count);
            }

            return;
        }

        if (_writer!.BufferedEvents > 0 && bufferBudget.Held >= bufferBudget.MaxBytes)
        {
            // The silo's buffers are at their budget: write this one before taking more, whatever its size (waiting for
            // the largest would let every small buffer whose store is down grow to the largest's size). While its store
            // refuses it, taking more would grow memory for as long as the outage lasts: the batch is refused. The
            // buffer holds the checkpoint before it; it stays in the receiver's bounded cache and is retried.
            if (!_writeFailing)
            {
                await TryFlushArchiveAsync();
            }

            if (_writeFailing)
            {
                RefuseOverBudget(sequence);
            }
        }

        if (_refusing)
        {
            _refusing = false;
            LogAcceptingAgain(logger, StreamKey, sequence);
        }

        if (_pinnedThrough is { } pinned && sequence > pinned)
        {
            // The replay is past every batch an earlier activation may have lettered or written: what it buffered is written,
            // and new settings apply from this batch on. While the archive refuses, they wait for the tick.
            _pinnedThrough = null;
            if (_deferred is { } waiting)
            {
                await TryFlushArchiveAsync();
                if (_writer!.BufferedEvents == 0 && !RecordBehind)
                {
                    await ApplySettingsAsync(waiting);
                }
            }
        }

        // One line per delivery at Debug: whether a batch reached its processor at all, when one is missing from the archive.
        LogTaking(logger, StreamKey, sequence, batch.BatchId, batch.Count);
        // Set until this delivery succeeds: a throw leaves it, and the redelivery must meet the same stages.
        _unfinished = sequence;
        await HandleAsync(batch, sequence, token!);
        _unfinished = null;
        if (_deferred is not null)
        {
            // Settings waited for this batch: the next tick applies them.
            _settingsReadAt = DateTimeOffset.MinValue;
        }
    }

    private RemovedGenerations Removed => _removedGenerations ??= new RemovedGenerations(GrainFactory, Tenant);

    public async Task<int> DropRemovedDataAsync(long removalVersion)
    {
        var profile = await Removed.RefreshAsync();
        if (profile.Version != removalVersion || profile is { Exists: true, Settings.Enabled: true } || _writer is null)
        {
            // Another version than the delete's first step left: the delete was overtaken (a create again, a change), and
            // its own next step stops on the changed version; what is buffered may be a live tenant's (helper-134: a call
            // arriving late, after a create again and a disable). The generations are still learned: the old batches are dropped.
            return 0;
        }

        // The tenant has been disabled since the delete's first step, and no batch is admitted while it is: every event
        // held here was acknowledged before, under a generation the delete removes (or unstamped, from an earlier build's
        // shard, the deleted tenant's all the same). The positions pass them as if archived, recorded before answering, so
        // that a replay after a crash takes nothing of them either.
        var events = _writer.Discard();
        var keyed = _keyed!.DropPending();
        if (events > 0 || keyed > 0)
        {
            _oldestBufferedIngest = null;
            state.State.ArchivedThrough = Math.Max(state.State.ArchivedThrough, _writer.ArchivedThrough);
            await SaveStateAsync(CancellationToken.None);
            bufferBudget.Report(ref _reportedBuffer, _writer.BufferedBytes);
            ProcessingGrainInstruments.RecordRemovedByDelete(Tenant, "archive", events);
            // Settings that waited for the buffer (the delete's disable, a create again) apply at the next tick.
            _settingsReadAt = DateTimeOffset.MinValue;
        }

        ReleaseCheckpointWhenClean();
        var ordered = _ordering ? await GrainFactory.GetGrain<IEventOrderGrain>(StreamKey).DropAsync() : 0;
        LogRemovedDataDropped(logger, StreamKey, events, keyed, ordered, state.State.ArchivedThrough);
        return events;
    }

    private async Task HandleAsync(RawEventBatch batch, long sequence, StreamSequenceToken token)
    {
        using var span = ProcessingActivities.StartRawBatch(StreamKey, batch, sequence);
        _quiet.Delivered();
        // The partition is known once the provider has read the hub's partitions, which delivering this batch needed.
        ProcessingGrainInstruments.RecordStreamLag(_partition ??= partitions.PartitionOf(StreamKey) ?? "unknown", timeProvider.GetUtcNow() - batch.IngestTime);
        if (!_holdingCheckpoint)
        {
            // The raw stream's checkpoint waits before this batch until it is archived or dead-lettered,
            // also while its delivery fails and is retried.
            checkpointHolds.Hold(RawStream, token, this);
            _holdingCheckpoint = true;
        }

        var handledBefore = sequence <= state.State.ArchivedThrough && sequence <= state.State.DeadLetteredThrough;
        var repeated = default(HandledEvents);
        if (batch.Keyed && !_retriesRestored)
        {
            await RestoreRetriesAsync();
        }

        if (batch.Keyed && LookupSince(batch) is { } since && !handledBefore)
        {
            if (batch.UncertainSince is null)
            {
                LogFirstAttemptAfterRetry(logger, StreamKey, batch.BatchId, batch.FirstIndex, batch.Count);
            }

            // A retry whose first attempt may be stored, or that first attempt arriving after a retry of it: keep only the
            // event ids not archived or dead-lettered yet. Only earlier positions count: a replay of this very batch finds
            // its own entry, persisted with an object it rebuilds.
            repeated = await _keyed!.FindHandledAsync(batch.BatchId, since, sequence, CancellationToken.None);
            if (repeated.ContainsAll(batch.FirstIndex, batch.Count))
            {
                LogRepeatDropped(logger, StreamKey, batch.BatchId, batch.FirstIndex, batch.Count);
                _lastDelivered = sequence;
                ReleaseCheckpointWhenClean();
                return;
            }
        }

        var output = Without(_stages!.Process(batch), repeated);
        if (batch.Keyed && !handledBefore)
        {
            _keyed!.Record(batch.BatchId, batch.FirstIndex, batch.Count, sequence, batch.UncertainSince);
        }

        // A batch at or below the recorded archive position sent its letters before that record (they are sent before
        // its delivery ends, its object is written after), and one before SettingsFrom is archived or dead-lettered
        // whole: a replay after a crash, which may meet other settings than the first delivery, takes nothing from it.
        var handled = sequence <= state.State.ArchivedThrough || sequence < state.State.SettingsFrom;

        // False for a batch already buffered or archived: a redelivery is archived once. Events the archive
        // cannot write come back in `unformattable` and are dead-lettered below with the others.
        var unformattable = new List<EventFailure>();
        var buffered = !handled && output.Events.Count > 0 && _writer!.Add(output.Events, sequence, unformattable);
        if ((output.NormalizeFailures.Count > 0 || output.EnrichFailures.Count > 0 || unformattable.Count > 0) && !handled && sequence > _letteredThrough)
        {
            try
            {
                if (sequence > state.State.DeadLetteredThrough || _stateUnsaved)
                {
                    // Recorded before any letter is sent, with the settings that made them: a replay of this batch after a
                    // crash sends the same letters again under the same parts, which the dead-letter store drops as repeats.
                    state.State.DeadLetteredThrough = Math.Max(state.State.DeadLetteredThrough, sequence);
                    await SaveStateAsync(CancellationToken.None);
                }

                var part = 0;
                part = await SendDeadLettersAsync(batch, sequence, part, TenantStages.NormalizeStage, output.NormalizeFailures);
                part = await SendDeadLettersAsync(batch, sequence, part, TenantStages.EnrichStage, output.EnrichFailures);
                await SendDeadLettersAsync(batch, sequence, part, TenantStages.ArchiveStage, TenantStages.DeadLetters(batch, output.EventIndexes, unformattable));
                _letteredThrough = sequence;
            }
            catch when (buffered)
            {
                // The redelivery must find the batch unbuffered, or its archive-stage letters are never sent.
                _writer!.RemoveLast(sequence);
                throw;
            }
        }

        if (output.Events.Count > 0)
        {
            if (buffered)
            {
                _oldestBufferedIngest ??= batch.IngestTime;
                bufferBudget.Report(ref _reportedBuffer, _writer!.BufferedBytes);
                if (FlushDue)
                {
                    await TryFlushArchiveAsync();
                }
            }

            if (_ordering)
            {
                // Waits while the ordered stream has no room. A redelivery after this call failed adds nothing
                // twice: the order stage knows the last position it took.
                await GrainFactory.GetGrain<IEventOrderGrain>(StreamKey).AddAsync(sequence, output.Events);
            }
        }

        // Only now: should the publish above throw, the agent delivers the batch again and it is published then.
        _lastDelivered = sequence;
        ReleaseCheckpointWhenClean();
        if (_idleTicks && (_writer!.BufferedEvents > 0 || _keyed!.PendingCount > 0 || RecordBehind))
        {
            // Something to write or record again: look at its age every FlushCheckInterval, as before the stream went quiet.
            TickBusy();
        }
    }

    /// <summary>
    /// When the first attempt of keyed <paramref name="batch"/> started, if it must be looked up in the index: it is a
    /// marked retry (remembered, also when replayed, so that its first attempt is looked up should it come later), or
    /// the unmarked first attempt of a retry met before. Null for the usual first attempt, at the cost of one probe.
    /// </summary>
    private DateTimeOffset? LookupSince(RawEventBatch batch)
    {
        if (batch.UncertainSince is { } since)
        {
            _retries!.Add(batch.BatchId, since, _idempotencyWindow);
            return since;
        }

        return _retries!.TryGet(batch.BatchId, out var retried) ? retried : null;
    }

    /// <summary>
    /// Reads back the marked retries earlier activations of this stream key persisted, so that a first attempt landing
    /// after its retry and after this activation's start is still looked up. A failure fails the delivery, which is
    /// retried like a failed lookup.
    /// </summary>
    private async Task RestoreRetriesAsync()
    {
        var restored = await _keyed!.ReadRetriesAsync(_idempotencyWindow, CancellationToken.None);
        foreach (var retry in restored)
        {
            _retries!.Restore(retry.BatchId, retry.Since, retry.Until);
        }

        _retriesRestored = true;
        if (restored.Count > 0)
        {
            LogRetriesRestored(logger, StreamKey, restored.Count);
        }
    }

    /// <summary>Ticks every FlushCheckInterval again after a quiet stream's slow ticks; nothing when already so.</summary>
    private void TickBusy()
    {
        if (_idleTicks)
        {
            _timer!.Change(_archiveOptions.FlushCheckInterval, _archiveOptions.FlushCheckInterval);
            _idleTicks = false;
        }
    }

    /// <summary>Refuses the batch at <paramref name="sequence"/> for the budget; logs the first refusal of a run, counts each.</summary>
    private void RefuseOverBudget(long sequence)
    {
        ProcessingGrainInstruments.RecordArchiveRefused(Tenant);
        if (!_refusing)
        {
            // Orleans retries each refused delivery (and logs it) every few seconds for as long as the outage lasts.
            _refusing = true;
            LogRefusedOverBudget(logger, StreamKey, sequence, _writer!.BufferedBytes, bufferBudget.Held, bufferBudget.MaxBytes);
        }

        // The tick retries the write: at FlushCheckInterval, not at a quiet stream's pace.
        TickBusy();

        throw new InvalidOperationException(
            $"Processor {StreamKey} refuses raw sequence {sequence}: its archive buffer ({_writer!.BufferedBytes} bytes) cannot be written and the silo's archive buffers hold {bufferBudget.Held} bytes of {bufferBudget.MaxBytes} (Pipeline:Archive:MaxBufferedBytes).");
    }

    /// <summary>Sends a stage's letters in parts numbered from <paramref name="part"/>; returns the next part number.</summary>
    private async Task<int> SendDeadLettersAsync(RawEventBatch batch, long sequence, int part, string stage, IReadOnlyList<DeadLetter> letters)
    {
        foreach (var chunk in DeadLetterCodec.Chunks(letters))
        {
            await _deadLetters!.OnNextAsync(new DeadLetterBatch(Tenant, batch.BatchId, batch.IngestTime, stage, chunk)
            {
                Source = new DeadLetterSource(StreamKey, sequence, part++),
                // Its events' generation: letters still on their stream when a delete removes it are dropped there.
                DataGeneration = batch.DataGeneration,
            });
        }

        return part;
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (timeProvider.GetUtcNow() - _settingsReadAt >= _options.SettingsRefreshInterval)
            {
                await RefreshSettingsAsync();
            }

            if (_deferred is { } waiting && _unfinished is null && _pinnedThrough is null && (_writer!.BufferedEvents > 0 || RecordBehind))
            {
                // New settings wait for the buffer: it is written now rather than at its age, and they apply within this tick.
                await FlushArchiveAsync(cancellationToken);
                await ApplySettingsAsync(waiting);
            }

            var quiet = _quiet.Tick();
            if (!StayActive() && quiet)
            {
                // Nothing buffered and nothing arrived for a whole tick: a stream that went quiet keeps no buffer until collected.
                _writer!.Trim();
            }

            // A keyed batch whose events all went to the dead letters is remembered without an archive object, and
            // an object whose record failed is recorded once the stores take writes again, also on a quiet stream.
            if (FlushDue || (_writer!.BufferedEvents == 0 && _keyed!.PendingCount > 0) || RecordBehind || (_writeFailing && _writer.BufferedEvents > 0))
            {
                await FlushArchiveAsync(cancellationToken);
            }

            if (quiet && !_idleTicks && _writer!.BufferedEvents == 0 && _keyed!.PendingCount == 0 && !RecordBehind)
            {
                // A quiet stream has nothing to write: tick only to refresh its settings, so that a silo with
                // thousands of idle tenants does not wake each of them every FlushCheckInterval.
                var idle = _options.SettingsRefreshInterval > _archiveOptions.FlushCheckInterval ? _options.SettingsRefreshInterval : _archiveOptions.FlushCheckInterval;
                _timer!.Change(idle, idle);
                _idleTicks = true;
            }

            if (!checkpointHolds.IsReadHere(RawStream))
            {
                // The partition moved to another silo's receiver, which now feeds this activation across
                // silos while its checkpoint ignores the holds kept here. Write what is buffered and go.
                await FlushArchiveAsync(cancellationToken);
                if (_writer!.BufferedEvents == 0 && _keyed!.PendingCount == 0 && !RecordBehind)
                {
                    MoveToReader();
                }
            }

            WorksAgain();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // The buffer and the old settings are kept; the next tick (FlushCheckInterval later) tries again.
            Failed(exception, LogTimerFailed);
        }
        finally
        {
            // Again after the awaits: a tick that waited on a slow store longer than the delay left a gap.
            StayActive();
        }
    }

    /// <summary>
    /// Keeps the activation from idle collection while it holds what a new activation would not know: a buffer the
    /// store keeps refusing, the stages a failed delivery's retry must meet, or an object written and not recorded
    /// (a new activation would write a second one past the recorded position). True when it did.
    /// </summary>
    private bool StayActive()
    {
        if (_writer is null || (_writer.BufferedEvents == 0 && _unfinished is null && !RecordBehind))
        {
            return false;
        }

        DelayDeactivation(_archiveOptions.MaxAge + _archiveOptions.FlushCheckInterval);
        return true;
    }

    /// <summary>An archive object or a dead letter is durable and the state that records it is not (a write failed).</summary>
    private bool RecordBehind => _stateUnsaved || _writer!.ArchivedThrough > _recordedThrough;

    /// <summary>
    /// Migrates this activation to the silo that reads its partition, so that the grain directory names that
    /// silo. Deactivating is not enough: the receiver there cached this silo as the grain's address, and a
    /// message sent to a silo without the activation activates the grain there again, without placement,
    /// which would refuse again, until that cache entry expires (minutes).
    /// </summary>
    private void MoveToReader()
    {
        if (checkpointHolds.ReaderOf(RawStream) is not { } reader)
        {
            // No silo reads the partition now: the next delivery places the grain next to whichever does.
            LogMovingToReader(logger, StreamKey, null);
            DeactivateOnIdle();
            return;
        }

        LogMovingToReader(logger, StreamKey, reader);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, reader);
        try
        {
            MigrateOnIdle();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <summary>
    /// Writes the state. After a write that failed, from a fresh read first, keeping the further positions: the
    /// failed write may have been stored (a timeout), leaving the state's ETag behind the store's, and every later
    /// write would fail on it. A migration carries the state with its ETag and does not read it again.
    /// </summary>
    private async Task SaveStateAsync(CancellationToken cancellationToken)
    {
        if (_stateUnsaved)
        {
            var (archivedThrough, deadLetteredThrough, writingThrough) = (state.State.ArchivedThrough, state.State.DeadLetteredThrough, state.State.WritingThrough);
            var (version, settings, from) = (state.State.SettingsVersion, state.State.Settings, state.State.SettingsFrom);
            await state.ReadStateAsync(cancellationToken);
            state.State.ArchivedThrough = Math.Max(state.State.ArchivedThrough, archivedThrough);
            state.State.DeadLetteredThrough = Math.Max(state.State.DeadLetteredThrough, deadLetteredThrough);
            state.State.WritingThrough = Math.Max(state.State.WritingThrough, writingThrough);
            (state.State.SettingsVersion, state.State.Settings, state.State.SettingsFrom) = (version, settings, from);
        }

        _stateUnsaved = true;
        await state.WriteStateAsync(cancellationToken);
        _stateUnsaved = false;
        _recordedThrough = state.State.ArchivedThrough;
    }

    /// <summary>A failed write keeps the buffer for the timer's next try rather than failing the delivery.</summary>
    private async Task TryFlushArchiveAsync()
    {
        try
        {
            await FlushArchiveAsync(CancellationToken.None);
            WorksAgain();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Failed(exception, LogFlushFailed);
        }
    }

    /// <summary>Counts a failed tick or write, and warns with <paramref name="warning"/> when <see cref="RepeatedFailures"/> says so.</summary>
    private void Failed(Exception exception, Action<ILogger, Exception, string, int, double> warning)
    {
        if (_failures.Failed(exception, timeProvider.GetUtcNow(), out var unlogged))
        {
            warning(logger, exception, StreamKey, unlogged, RepeatedFailures.Every.TotalSeconds);
        }
    }

    /// <summary>Ends a run of failed ticks and writes with one line, when there was one.</summary>
    private void WorksAgain()
    {
        if (_failures.Succeeded(out var failed, out var since))
        {
            var seconds = (timeProvider.GetUtcNow() - since).TotalSeconds;
            LogWorksAgain(logger, StreamKey, failed, seconds);
        }
    }

    /// <summary>The buffer's own policy asks to write it, or the silo's buffers are over their budget and this one is among the largest.</summary>
    private bool FlushDue => _writer!.IsFlushDue || bufferBudget.AsksToShrink(_writer.BufferedBytes);

    private async Task FlushArchiveAsync(CancellationToken cancellationToken)
    {
        if (_writer is null)
        {
            return;
        }

        try
        {
            await WriteArchiveAsync(cancellationToken);
            _writeFailing = false;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _writeFailing = true;
            throw;
        }
        finally
        {
            bufferBudget.Report(ref _reportedBuffer, _writer.BufferedBytes);
        }
    }

    private async Task WriteArchiveAsync(CancellationToken cancellationToken)
    {
        if (RecordBehind)
        {
            // At most one object past the recorded position. A replay rebuilds from there, cut by its own timing, and
            // supersedes only the object that starts where its rebuilt one does: a second unrecorded object's events
            // would be archived twice. So the record of the last one is finished first; while a store refuses it,
            // the buffer waits.
            try
            {
                await RecordArchivedAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException && _writer!.BufferedEvents > 0)
            {
                throw new InvalidOperationException(
                    $"Processor {StreamKey} holds its next archive object ({_writer.BufferedEvents} events) until its state, archived through raw sequence {_writer.ArchivedThrough}, is recorded: {exception.Message}",
                    exception);
            }
        }

        if (_writer!.BufferedThrough > state.State.WritingThrough)
        {
            // Recorded before the object: should a crash cut off its record, the next activation replays through it under
            // the settings it was built with (ApplySettingsAsync), so the rebuilt object starts where this one does, ends at
            // or past its end and supersedes it, also when the tenant's settings changed in between. One state write per object.
            state.State.WritingThrough = _writer.BufferedThrough;
            await SaveStateAsync(cancellationToken);
        }

        if (await _writer.FlushAsync(cancellationToken) is not { } written)
        {
            if (_writer.BufferedEvents == 0 && _keyed!.PendingCount > 0)
            {
                await _keyed.PersistAsync(_lastDelivered, _idempotencyWindow, cancellationToken);
                ReleaseCheckpointWhenClean();
            }

            return;
        }

        await RecordArchivedAsync(cancellationToken);
        if (_oldestBufferedIngest is { } oldest)
        {
            ProcessingGrainInstruments.RecordArchiveLag(Tenant, timeProvider.GetUtcNow() - oldest);
            _oldestBufferedIngest = null;
        }

        LogArchived(logger, written.Name, written.LastSequence);
    }

    /// <summary>
    /// Records the archive's objects up to the writer's <see cref="ArchiveWriter.ArchivedThrough"/>: their keyed
    /// batches, then the state. Also finishes a record that failed part way (the index or the state write).
    /// </summary>
    private async Task RecordArchivedAsync(CancellationToken cancellationToken)
    {
        // The keyed batches of the object before the position that skips them after a crash.
        await _keyed!.PersistAsync(_writer!.ArchivedThrough, _idempotencyWindow, cancellationToken);

        // Only after the object is durable: a crash before this write replays and rewrites the same object.
        state.State.ArchivedThrough = Math.Max(state.State.ArchivedThrough, _writer.ArchivedThrough);
        await SaveStateAsync(cancellationToken);
        ReleaseCheckpointWhenClean();
    }

    /// <summary>
    /// Lets the partition's checkpoint pass this stream key once nothing it took waits: no buffer, no keyed entries, and
    /// no archive object or letters whose record is behind. Released before such a record, the checkpoint could move
    /// into the unrecorded object (another key's hold inside it), and a replay from there would rebuild only its tail,
    /// which supersedes nothing.
    /// </summary>
    private void ReleaseCheckpointWhenClean()
    {
        if (_holdingCheckpoint && _writer!.BufferedEvents == 0 && _keyed!.PendingCount == 0 && !RecordBehind)
        {
            checkpointHolds.Release(this);
            _holdingCheckpoint = false;
        }
    }

    private async Task RefreshSettingsAsync()
    {
        var profile = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetProfileAsync();
        _settingsReadAt = timeProvider.GetUtcNow();
        // At activation too: a processor activated after a delete drops the batches of the generations it removed.
        Removed.Learn(profile, keepCurrent: true);
        _idempotencyWindow = profile.Settings?.IdempotencyWindow ?? TenantSettings.DefaultIdempotencyWindow;
        await ApplySettingsAsync(profile);
    }

    /// <summary>
    /// Applies the tenant's settings <paramref name="profile"/>, or keeps them waiting in <see cref="_deferred"/> while a
    /// retry or a replay must meet the stages in use.
    /// </summary>
    private async Task ApplySettingsAsync(TenantProfile profile)
    {
        if (_stages is null)
        {
            // Batches up to `sent` may have had letters sent, or an archive object written, under the recorded settings,
            // and not be recorded as archived: their replay must meet those settings again, or it would archive a lettered
            // event, letter another one under a part number the dead-letter store takes for a repeat, or cut an object
            // that does not supersede the written one. Settings change only after them, also when the tenant's change
            // during the replay.
            var sent = Math.Max(state.State.DeadLetteredThrough, state.State.WritingThrough);
            if (sent > state.State.ArchivedThrough && sent >= state.State.SettingsFrom)
            {
                _pinnedThrough = sent;
            }

            if (_pinnedThrough is not null && state.State.SettingsVersion >= 0 && state.State.SettingsVersion != profile.Version)
            {
                Apply(profile with { Settings = state.State.Settings, Version = state.State.SettingsVersion });
                _ordering = Orders(profile);
                Defer(profile);
                return;
            }

            // No letter past the positions was sent under other settings. These are recorded with the state's next write,
            // before any letter is sent under them.
            Apply(profile);
            (state.State.SettingsVersion, state.State.Settings) = (profile.Version, profile.Settings);
            return;
        }

        if (_stages.Version == profile.Version && !EnrichmentReloaded(profile))
        {
            _deferred = null;
            return;
        }

        // The order stage's switch applies at once, also to a retry: a stuck ordered stream fails the delivery
        // that feeds it, and turning ordering off is how an operator frees the tenant.
        _ordering = Orders(profile);
        if (_unfinished is { } unfinished)
        {
            // The failed attempt may have sent some of the batch's dead letters and not archived their events:
            // under other settings its retry would archive those events too, or letter others under the same
            // part numbers, which the dead-letter store takes for repeats. The new version applies after it.
            if (_deferred?.Version != profile.Version)
            {
                LogSettingsDeferred(logger, StreamKey, _stages.Version, profile.Version, unfinished);
            }

            _deferred = profile;
            return;
        }

        if (_pinnedThrough is not null || _writer!.BufferedEvents > 0 || RecordBehind)
        {
            // A replay of what is buffered, or archived and not recorded, must meet the settings it was processed
            // under: the tick writes it first (OnTimerAsync), and the new version applies right after.
            Defer(profile);
            return;
        }

        // Every batch delivered so far is archived and recorded, or dead-lettered, and a replay is past every batch an
        // earlier activation may have lettered or written (_pinnedThrough): a replay takes nothing from them, whatever
        // settings it meets. Recorded before the first batch under the new ones, and the stages built before the record:
        // stages that failed to build after it would leave the state naming settings the batches are not processed under,
        // and a replay pinned to them would rebuild other objects.
        var next = _reloaded?.Version == profile.Version ? _reloaded : TenantStages.Create(profile, lookups, logger);
        _reloaded = next == _reloaded ? null : _reloaded;
        var recorded = (state.State.SettingsVersion, state.State.Settings, state.State.SettingsFrom);
        (state.State.SettingsVersion, state.State.Settings, state.State.SettingsFrom) = (profile.Version, profile.Settings, Math.Max(state.State.SettingsFrom, _lastDelivered + 1));
        try
        {
            await SaveStateAsync(CancellationToken.None);
        }
        catch
        {
            next.Dispose();
            // The stages stay, and so must what the next write records for them. Should this write have been stored all
            // the same (a timeout), the next write before letters or before an archive object corrects it.
            (state.State.SettingsVersion, state.State.Settings, state.State.SettingsFrom) = recorded;
            throw;
        }

        _deferred = null;
        Use(profile, next);
    }

    /// <summary>
    /// Whether the enrichment of <paramref name="profile"/>, which failed (its events are archived marked), works again:
    /// loaded from files that changed since (<see cref="Enricher.FilesFingerprint"/>, checked at each settings refresh;
    /// a try reads a table whole, so it is made only when a file changed). The loaded stages then apply as a new version
    /// would, once nothing buffered or replayed must meet the old ones. An event is archived marked or enriched, not
    /// dead-lettered for it, so stages of either kind archive the same events.
    /// </summary>
    private bool EnrichmentReloaded(TenantProfile profile)
    {
        if (_stages!.EnrichmentFailure is null)
        {
            return false;
        }

        if (_reloaded is not null)
        {
            return true;
        }

        var files = Enricher.FilesFingerprint((profile.Settings?.Processing ?? new ProcessingSettings()).Enrichment, lookups);
        if (files == _stagesFiles)
        {
            return false;
        }

        var probe = TenantStages.Create(profile, lookups, logger);
        if (probe.EnrichmentFailure is null)
        {
            _reloaded = probe;
            return true;
        }

        probe.Dispose();
        _stagesFiles = files;
        return false;
    }

    /// <summary>Keeps the current stages until <paramref name="profile"/> can apply; logs the first deferral of a version.</summary>
    private void Defer(TenantProfile profile)
    {
        if (_deferred?.Version != profile.Version)
        {
            LogSettingsDeferredForReplay(logger, StreamKey, _stages!.Version, profile.Version);
        }

        _deferred = profile;
    }

    private void Apply(TenantProfile profile) => Use(profile, TenantStages.Create(profile, lookups, logger));

    /// <summary>Processes from now on with <paramref name="stages"/>, built from <paramref name="profile"/>.</summary>
    private void Use(TenantProfile profile, TenantStages stages)
    {
        _ordering = Orders(profile);
        var previous = _stages;
        _stages = stages;
        previous?.Dispose();
        // Loaded for a version these stages replace.
        _reloaded?.Dispose();
        _reloaded = null;

        // Stages whose enrichment failed to load are tried again at the next refresh, which records the files then: they
        // may have changed since the stages were built. Ones that loaded are tried again once a file changes.
        _stagesFiles = stages.EnrichmentFailure is null ? Enricher.FilesFingerprint(stages.Settings.Enrichment, lookups) : null;
        LogSettingsApplied(logger, StreamKey, profile.Version, _stages.EnrichmentFailure);
    }

    /// <summary>Whether <paramref name="profile"/> turns the order stage on.</summary>
    private static bool Orders(TenantProfile profile) => (profile.Settings?.Processing ?? new ProcessingSettings()).Ordering.Enabled;

    /// <summary>The stage output without the events a repeat of the batch already handled.</summary>
    private static StageOutput Without(StageOutput output, HandledEvents repeated)
    {
        if (repeated.IsEmpty)
        {
            return output;
        }

        var events = new List<NormalizedEvent>(output.Events.Count);
        var indexes = new List<int>(output.Events.Count);
        for (var i = 0; i < output.Events.Count; i++)
        {
            if (!repeated.Contains(output.EventIndexes[i]))
            {
                events.Add(output.Events[i]);
                indexes.Add(output.EventIndexes[i]);
            }
        }

        return new StageOutput(
            events,
            indexes,
            output.NormalizeFailures.Where(l => !repeated.Contains(l.Index)).ToArray(),
            output.EnrichFailures.Where(l => !repeated.Contains(l.Index)).ToArray());
    }
}
