using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// One tenant stream key's normalize, enrich and archive stages, fed by the durable raw stream. The
/// archive is keyed by raw-stream sequence numbers, where every acknowledged event appears once: after a
/// crash the receivers replay from their checkpoint, batches at or below the persisted
/// <see cref="ProcessorState.ArchivedThrough"/> are skipped and the rest rebuild the same objects. Each
/// batch then goes on, parsed and enriched, to <see cref="EventStreams.Normalized"/> (at least once).
/// </summary>
[ImplicitStreamSubscription(PipelineStreams.Raw)]
public sealed partial class TenantStreamProcessorGrain(
    [PersistentState("processor", PipelineStorage.Tenants)] IPersistentState<ProcessorState> state,
    IArchiveStore archive,
    IOptions<ProcessingGrainOptions> options,
    TimeProvider timeProvider,
    ILogger<TenantStreamProcessorGrain> logger) : Grain, ITenantStreamProcessorGrain, IDisposable
{
    private readonly ProcessingGrainOptions _options = options.Value;
    private TenantStages? _stages;
    private ArchiveWriter? _writer;
    private IAsyncStream<NormalizedEventBatch>? _normalized;
    private IAsyncStream<DeadLetterBatch>? _deadLetters;
    private long _lastDelivered = -1;
    private DateTimeOffset? _oldestBufferedIngest;
    private DateTimeOffset _settingsReadAt;

    private string StreamKey => this.GetPrimaryKeyString();

    private string Tenant => StreamKeys.TenantOf(StreamKey);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await RefreshSettingsAsync();
        _writer = new ArchiveWriter(archive, Tenant, StreamKey, _options.Archive, timeProvider, logger);
        _writer.ResumeAfter(state.State.ArchivedThrough);

        _normalized = this.GetStreamProvider(PipelineStreams.DerivedProviderName)
            .GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Normalized, StreamKey));
        var events = this.GetStreamProvider(PipelineStreams.ProviderName);
        _deadLetters = events.GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, Tenant));
        await events.GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, StreamKey)).SubscribeAsync(OnBatchAsync);

        this.RegisterGrainTimer(OnTimerAsync, _options.FlushCheckInterval, _options.FlushCheckInterval);
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
            // Only shutdown and rebalancing get here with a buffer (the timer below keeps an activation
            // with unarchived events from idle collection). The raw stream's checkpoint trails by at least
            // 5 minutes, so a silo restart within that feeds these batches again; past it they are missing
            // from the archive: an error for the operator.
            LogDeactivationFlushFailed(logger, exception, StreamKey, _writer?.BufferedEvents ?? 0);
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _stages?.Dispose();
    }

    public async Task<long> FlushAsync()
    {
        await FlushArchiveAsync(CancellationToken.None);
        return state.State.ArchivedThrough;
    }

    private async Task OnBatchAsync(RawEventBatch batch, StreamSequenceToken? token)
    {
        var sequence = token?.SequenceNumber ?? throw new InvalidOperationException($"Raw batch {batch.BatchId} on {StreamKey} came without a sequence token.");
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

        var output = _stages!.Process(batch);

        // False for a batch already buffered or archived: a redelivery is archived once. Events the archive
        // cannot write come back in `unformattable` and are dead-lettered below with the others.
        var unformattable = new List<EventFailure>();
        var buffered = output.Events.Count > 0 && _writer!.Add(output.Events, sequence, unformattable);
        if ((output.NormalizeFailures.Count > 0 || output.EnrichFailures.Count > 0 || unformattable.Count > 0) && sequence > state.State.DeadLetteredThrough)
        {
            try
            {
                await SendDeadLettersAsync(batch, TenantStages.NormalizeStage, output.NormalizeFailures);
                await SendDeadLettersAsync(batch, TenantStages.EnrichStage, output.EnrichFailures);
                await SendDeadLettersAsync(batch, TenantStages.ArchiveStage, TenantStages.DeadLetters(batch, unformattable));
                state.State.DeadLetteredThrough = sequence;
                await state.WriteStateAsync();
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
                if (_writer!.IsFlushDue)
                {
                    await TryFlushArchiveAsync();
                }
            }

            if (_stages.Settings.Ordering.Enabled)
            {
                await _normalized!.PublishAsync(Tenant, StreamKey, output.Events);
            }
        }

        // Only now: should the publish above throw, the agent delivers the batch again and it is published then.
        _lastDelivered = sequence;
    }

    private async Task SendDeadLettersAsync(RawEventBatch batch, string stage, IReadOnlyList<DeadLetter> letters)
    {
        foreach (var part in DeadLetterChunks.Split(letters))
        {
            await _deadLetters!.OnNextAsync(new DeadLetterBatch(Tenant, batch.BatchId, batch.IngestTime, stage, part));
        }
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (timeProvider.GetUtcNow() - _settingsReadAt >= _options.SettingsRefreshInterval)
            {
                await RefreshSettingsAsync();
            }

            if (_writer!.BufferedEvents > 0)
            {
                // Idle collection would drop a buffer the store keeps refusing: stay active while it holds events.
                DelayDeactivation(_options.Archive.MaxAge + _options.FlushCheckInterval);
            }

            if (_writer.IsFlushDue)
            {
                await FlushArchiveAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // The buffer and the old settings are kept; the next tick (FlushCheckInterval later) tries again.
            LogTimerFailed(logger, exception, StreamKey);
        }
    }

    /// <summary>A failed write keeps the buffer for the timer's next try rather than failing the delivery.</summary>
    private async Task TryFlushArchiveAsync()
    {
        try
        {
            await FlushArchiveAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFlushFailed(logger, exception, StreamKey);
        }
    }

    private async Task FlushArchiveAsync(CancellationToken cancellationToken)
    {
        if (_writer is null || await _writer.FlushAsync(cancellationToken) is not { } written)
        {
            return;
        }

        // Only after the object is durable: a crash before this write replays and rewrites the same object.
        state.State.ArchivedThrough = _writer.ArchivedThrough;
        await state.WriteStateAsync(cancellationToken);
        if (_oldestBufferedIngest is { } oldest)
        {
            ProcessingGrainInstruments.RecordArchiveLag(Tenant, timeProvider.GetUtcNow() - oldest);
            _oldestBufferedIngest = null;
        }
        LogArchived(logger, written.Name, written.LastSequence);
    }

    private async Task RefreshSettingsAsync()
    {
        var profile = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetProfileAsync();
        _settingsReadAt = timeProvider.GetUtcNow();
        if (_stages is not null && _stages.Version == profile.Version)
        {
            return;
        }

        var previous = _stages;
        _stages = TenantStages.Create(profile, logger);
        previous?.Dispose();
        LogSettingsApplied(logger, StreamKey, profile.Version, _stages.EnrichmentFailure);
    }
}
