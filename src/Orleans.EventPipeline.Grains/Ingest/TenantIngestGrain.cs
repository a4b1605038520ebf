using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>
/// Where a batch becomes durable. Reentrant so that many requests of one tenant are in flight to
/// Event Hubs at once (their fsyncs are group-committed); the rate and shard bookkeeping runs
/// between awaits, so it needs no lock.
/// </summary>
[Reentrant]
public sealed partial class TenantIngestGrain(
    TimeProvider timeProvider,
    IOptions<IngestOptions> options,
    ILogger<TenantIngestGrain> logger) : Grain, ITenantIngestGrain
{
    private readonly IngestOptions _options = options.Value;
    private TenantSettings? _settings;
    private TokenBucket? _events;
    private TokenBucket? _bytes;
    private IAsyncStream<RawEventBatch>[] _rawShards = [];
    private IAsyncStream<DeadLetterBatch>? _deadLetters;
    private int _nextShard;

    private string TenantIdValue => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var profile = await GrainFactory.GetGrain<ITenantGrain>(TenantIdValue).GetProfileAsync();
        if (profile is { Exists: true, Settings: { } settings })
        {
            Apply(settings);
        }
    }

    public Task ApplySettingsAsync(TenantSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Apply(settings);
        return Task.CompletedTask;
    }

    private void Apply(TenantSettings settings)
    {
        _settings = settings;
        var now = timeProvider.GetTimestamp();
        _events = new TokenBucket(_settings.Limits.EventsPerSecond, _settings.Limits.BurstSeconds, now);
        _bytes = new TokenBucket(_settings.Limits.BytesPerSecond, _settings.Limits.BurstSeconds, now);
        var provider = this.GetStreamProvider(PipelineStreams.ProviderName);
        _rawShards = Enumerable.Range(0, _settings.ShardCount)
            .Select(shard => provider.GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, StreamKeys.ForShard(TenantIdValue, shard))))
            .ToArray();
        _deadLetters = provider.GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, TenantIdValue));
    }

    public async Task<IngestResult> IngestAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_settings is not { Enabled: true } settings)
        {
            return IngestResult.Refused(IngestOutcome.TenantDisabled, $"Tenant '{TenantIdValue}' is disabled.");
        }

        var now = timeProvider.GetTimestamp();
        var eventsOk = _events!.CanTake(batch.TotalEvents, now, timeProvider, out var eventsWait);
        var bytesOk = _bytes!.CanTake(batch.RequestBytes, now, timeProvider, out var bytesWait);
        if (!eventsOk || !bytesOk)
        {
            var wait = eventsWait > bytesWait ? eventsWait : bytesWait;
            LogRateLimited(logger, TenantIdValue, batch.TotalEvents, batch.RequestBytes, wait);
            return IngestResult.Refused(
                IngestOutcome.RateLimited,
                $"Tenant '{TenantIdValue}' is over its limit of {settings.Limits.EventsPerSecond} events/s and {settings.Limits.BytesPerSecond} bytes/s.",
                wait);
        }

        _events.Take(batch.TotalEvents);
        _bytes.Take(batch.RequestBytes);

        var batchId = batch.BatchId ?? Guid.CreateVersion7(timeProvider.GetUtcNow());
        var ingestTime = timeProvider.GetUtcNow();
        var shard = _rawShards[ShardOf(batch.BatchId)];
        try
        {
            foreach (var part in MessageChunks.Cut(batch.Frames, _options.MaxMessageBytes))
            {
                await shard.OnNextAsync(new RawEventBatch(TenantIdValue, batchId, ingestTime, batch.Kind, part.FirstIndex, part.Count, part.Frames)
                {
                    Keyed = batch.BatchId is not null,
                    UncertainSince = batch.UncertainSince,
                });
            }

            if (batch.Rejected.Count > 0)
            {
                foreach (var letters in DeadLetterCodec.Chunks(batch.Rejected))
                {
                    await _deadLetters!.OnNextAsync(new DeadLetterBatch(TenantIdValue, batchId, ingestTime, "ingest", letters));
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
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
        };
    }

    /// <summary>
    /// Round robin for fresh batches; a keyed batch always goes to the shard its id picks, so a retry of it
    /// reaches the same processor as the first attempt, which is where a repeat is recognised.
    /// </summary>
    private int ShardOf(Guid? keyedBatchId)
    {
        if (keyedBatchId is not { } id)
        {
            return (int)(unchecked((uint)_nextShard++) % (uint)_rawShards.Length);
        }

        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes) % (uint)_rawShards.Length);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tenant {TenantId} rate-limited: {Events} events, {Bytes} bytes, retry after {RetryAfter}")]
    private static partial void LogRateLimited(ILogger logger, string tenantId, int events, long bytes, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} batch {BatchId} was not confirmed by the stream; answered 503")]
    private static partial void LogStreamWriteFailed(ILogger logger, Exception exception, string tenantId, Guid batchId);
}
