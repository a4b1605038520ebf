using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.EventPipeline.Grains.Placement;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// Where a batch becomes durable: one activation per tenant shard (keyed by its stream key, placed apart
/// from the tenant's other shards by <see cref="TenantShardPlacement"/>), the only writer of that shard's
/// raw stream. Reentrant so that many requests are in flight to Event Hubs at once (their fsyncs are
/// group-committed); the rate bookkeeping runs between awaits, so it needs no lock. The tenant's rate is
/// kept cluster-wide by <see cref="ITenantRateGrain"/>, whose tokens this shard leases in blocks.
/// </summary>
[Reentrant]
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
[TenantShardPlacement]
public sealed partial class TenantIngestGrain(
    TimeProvider timeProvider,
    IOptions<IngestOptions> options,
    ILogger<TenantIngestGrain> logger) : Grain, ITenantIngestGrain
{
    private readonly IngestOptions _options = options.Value;
    private TenantSettings? _settings;

    // The tenant's data generation, given with each stored batch's answer: read with the settings, at activation and
    // with every change the tenant grain applies, which is how a create after a data=remove reaches the shard.
    private Guid? _dataGeneration;

    // The tenant's version the settings and generation are from: an apply of an older one, arriving late, is ignored.
    private long _settingsVersion = -1;

    // The tenant's active key hashes: a request through a key not in here is refused, whatever a gateway cached.
    private HashSet<string> _keys = new(StringComparer.Ordinal);
    private ShardRateLimiter _rate = null!;
    private IAsyncStream<RawEventBatch> _raw = null!;
    private IAsyncStream<DeadLetterBatch> _deadLetters = null!;

    private string StreamKey => this.GetPrimaryKeyString();

    private string TenantIdValue => StreamKeys.TenantOf(StreamKey);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var provider = this.GetStreamProvider(PipelineStreams.ProviderName);
        _raw = provider.GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, StreamKey));
        _deadLetters = provider.GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, TenantIdValue));
        _rate = new ShardRateLimiter(GrainFactory.GetGrain<ITenantRateGrain>(TenantIdValue), timeProvider);
        var tenant = GrainFactory.GetGrain<ITenantGrain>(TenantIdValue);
        var profile = await tenant.GetProfileAsync();
        _dataGeneration = profile.DataGeneration;
        _settingsVersion = profile.Version;
        if (profile is { Exists: true, Settings: { } settings })
        {
            _settings = settings;
        }

        _keys = new HashSet<string>(await tenant.GetActiveKeyHashesAsync(), StringComparer.Ordinal);
    }

    public Task ApplyKeysAsync(IReadOnlyList<string> activeKeyHashes)
    {
        ArgumentNullException.ThrowIfNull(activeKeyHashes);
        // Replaced whole, never changed in place: a request between awaits reads one set or the other.
        _keys = new HashSet<string>(activeKeyHashes, StringComparer.Ordinal);
        return Task.CompletedTask;
    }

    public async Task ApplySettingsAsync(TenantSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // A tenant grain of an earlier build sends no version or generation: both are read, interleaving with its change.
        var profile = await GrainFactory.GetGrain<ITenantGrain>(TenantIdValue).GetProfileAsync();
        Apply(settings, profile.Version, profile.DataGeneration);
    }

    public Task ApplySettingsAsync(TenantSettings settings, long version, Guid? dataGeneration)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Apply(settings, version, dataGeneration);
        return Task.CompletedTask;
    }

    private void Apply(TenantSettings settings, long version, Guid? dataGeneration)
    {
        // At the same version a refusal wins: a delete applies its refusal under the version of the tenant it deletes, and a
        // shard activated after the delete has no settings at that version.
        if (version < _settingsVersion || (version == _settingsVersion && settings.Enabled && _settings is not { Enabled: true }))
        {
            return;
        }

        // Settings and generation together: a tenant created again after its data was removed takes requests only under
        // the new generation, which this shard then gives with each answer.
        _settingsVersion = version;
        _dataGeneration = dataGeneration;
        _settings = settings;
        // The tenant grain resets the rate grain's buckets in the same call: tokens leased under the old limits go.
        _rate.Reset();
    }

    public async Task<IngestResult> IngestAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.KeyHash is { } keyHash && !_keys.Contains(keyHash))
        {
            // First: a deleted tenant's old key is a key that stopped working (401), not a disabled tenant (403).
            return IngestResult.Refused(IngestOutcome.KeyRevoked, "A valid tenant API key is required: this key was revoked.");
        }

        if (_settings is not { Enabled: true } settings)
        {
            return IngestResult.Refused(IngestOutcome.TenantDisabled, $"Tenant '{TenantIdValue}' is disabled.");
        }

        // Taken with the settings it was admitted under: a change applied while the write is in flight is not this batch's.
        var dataGeneration = _dataGeneration;

        TimeSpan? refusedFor;
        try
        {
            refusedFor = await _rate.AdmitAsync(batch.TotalEvents, batch.RequestBytes);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogRateUnavailable(logger, exception, TenantIdValue);
            return IngestResult.Refused(
                IngestOutcome.StreamUnavailable,
                "The tenant's rate limiter did not answer; nothing was stored. Retry later.",
                _options.UnavailableRetryAfter);
        }

        if (refusedFor is { } wait)
        {
            LogRateLimited(logger, TenantIdValue, batch.TotalEvents, batch.RequestBytes, wait);
            return IngestResult.Refused(
                IngestOutcome.RateLimited,
                $"Tenant '{TenantIdValue}' is over its limit of {settings.Limits.EventsPerSecond} events/s and {settings.Limits.BytesPerSecond} bytes/s.",
                wait);
        }

        var batchId = batch.BatchId ?? BatchIds.NewVersion7(timeProvider.GetUtcNow());
        var ingestTime = timeProvider.GetUtcNow();
        // Once per request: the processor's span for each part links back to this request's trace.
        var traceParent = Activity.Current is { Recorded: true } traced ? traced.Id : null;
        try
        {
            // Every part's write is started before any is awaited: the first goes at once and the rest wait for it
            // and go on in as few sends as the hub's size limit allows, one after another without waiting for this
            // grain (GroupCommitSender). The ACK still waits for all of them; a part's failure is the request's (503),
            // though later parts may be stored. Cut whole first: a throw while cutting leaves no write started that
            // nobody awaits, whose frames the gateway would reuse once this call answers.
            var parts = MessageChunks.Cut(batch.Frames, _options.MaxMessageBytes).ToList();
            var writes = new List<Task>(parts.Count);
            foreach (var part in parts)
            {
                writes.Add(WriteAsync(new RawEventBatch(TenantIdValue, batchId, ingestTime, batch.Kind, part.FirstIndex, part.Count, part.Frames)
                {
                    Keyed = batch.BatchId is not null,
                    UncertainSince = batch.UncertainSince,
                    TraceParent = traceParent,
                    // The processors drop the batch should a delete remove this generation's data before they archive it.
                    DataGeneration = dataGeneration,
                }));
            }

            await Task.WhenAll(writes);

            if (batch.Rejected.Count > 0)
            {
                foreach (var letters in DeadLetterCodec.Chunks(batch.Rejected))
                {
                    await _deadLetters.OnNextAsync(new DeadLetterBatch(TenantIdValue, batchId, ingestTime, "ingest", letters) { Keyed = batch.BatchId is not null, DataGeneration = dataGeneration });
                }
            }
        }
        catch (Exception exception)
        {
            // Also an OperationCanceledException: nobody cancels this call, so it is the Event Hubs link
            // closing under the send ("the owner is being closed", the hub went away), not a caller's wish.
            LogStreamWriteFailed(logger, exception, TenantIdValue, batchId);
            return IngestResult.Refused(
                IngestOutcome.StreamUnavailable,
                "The durable stream did not confirm the write; nothing was acknowledged. Retry later.",
                _options.UnavailableRetryAfter);
        }

        return new IngestResult(
            IngestOutcome.Stored,
            batchId,
            batch.Count,
            batch.Rejected.Select(static r => new RejectedEvent(r.Index, r.Reason)).ToArray(),
            RetryAfter: null,
            Detail: null,
            Replayed: false)
        {
            IdempotencyWindow = settings.IdempotencyWindow,
            DataGeneration = dataGeneration,
        };
    }

    // A throw before the write's first await fails its task, like a throw after it: the writes started before it are awaited all the same.
    private async Task WriteAsync(RawEventBatch part) => await _raw.OnNextAsync(part);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tenant {TenantId} rate-limited: {Events} events, {Bytes} bytes, retry after {RetryAfter}")]
    private static partial void LogRateLimited(ILogger logger, string tenantId, int events, long bytes, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}'s rate grain did not answer; answered 503")]
    private static partial void LogRateUnavailable(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} batch {BatchId} was not confirmed by the stream; answered 503")]
    private static partial void LogStreamWriteFailed(ILogger logger, Exception exception, string tenantId, Guid batchId);
}
