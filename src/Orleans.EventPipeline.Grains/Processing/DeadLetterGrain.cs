using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Counts a tenant's dead letters from its durable dead-letter stream (each stream position once, so a
/// replay after a crash does not count twice) and keeps the newest, bounded by
/// <see cref="ProcessingGrainOptions.RetainedDeadLetters"/> and <see cref="ProcessingGrainOptions.RetainedDeadLetterBytes"/>.
/// </summary>
[ImplicitStreamSubscription(PipelineStreams.DeadLetter)]
public sealed partial class DeadLetterGrain(
    [PersistentState("deadletters", PipelineStorage.Tenants)] IPersistentState<DeadLetterState> state,
    IArchiveStore archive,
    IOptions<ProcessingGrainOptions> options,
    TimeProvider timeProvider,
    ILogger<DeadLetterGrain> logger) : Grain, IDeadLetterGrain
{
    /// <summary>Stream key of the archive objects written by replays, next to the tenant's shard keys.</summary>
    public static string ReplayStreamKey(string tenantId) => tenantId + "~replay";

    private readonly ProcessingGrainOptions _options = options.Value;

    private string Tenant => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, Tenant))
            .SubscribeAsync(OnBatchAsync);
    }

    public Task<DeadLetterSummary> GetSummaryAsync(int recent)
    {
        var s = state.State;
        var newest = s.Retained.Skip(Math.Max(0, s.Retained.Count - Math.Max(0, recent))).Reverse().ToArray();
        return Task.FromResult(new DeadLetterSummary(
            Tenant,
            s.Counts.Values.Sum(),
            new Dictionary<string, long>(s.Counts, StringComparer.Ordinal),
            s.Retained.Count,
            s.Dropped,
            s.Replayed,
            newest));
    }

    public async Task<DeadLetterReplayResult> ReplayAsync()
    {
        var profile = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetProfileAsync();
        using var stages = TenantStages.Create(profile, logger);
        var passed = new List<NormalizedEvent>();
        var passedLetters = new HashSet<RetainedDeadLetter>(ReferenceEqualityComparer.Instance);
        var kept = new List<RetainedDeadLetter>(state.State.Retained.Count);
        var stillFailing = 0;
        var notReplayable = 0;
        foreach (var letter in state.State.Retained)
        {
            if (letter.Stage is not (TenantStages.NormalizeStage or TenantStages.EnrichStage))
            {
                // Ingest-stage letters were refused to the client in its 200 response: the client resends them.
                notReplayable++;
                kept.Add(letter);
                continue;
            }

            var context = new EventContext(Tenant, RawEventBatch.FormatEventId(letter.BatchId, letter.Index), letter.IngestTime);
            string? failure;
            if (stages.Normalizer.TryNormalize(letter.Raw, KindOf(letter.Raw), context, null, out var normalized, out failure))
            {
                var enriched = stages.Enrich([normalized]);
                if (enriched.Events.Count == 1)
                {
                    passed.Add(enriched.Events[0]);
                    passedLetters.Add(letter);
                    continue;
                }

                failure = enriched.Failures[0].Reason;
            }

            stillFailing++;
            kept.Add(letter with { Reason = failure, Stage = normalized is null ? TenantStages.NormalizeStage : TenantStages.EnrichStage });
        }

        string? objectName = null;
        if (passed.Count > 0)
        {
            objectName = await ArchiveReplayedAsync(passed);
        }

        state.State.Retained = kept;
        state.State.Replayed += passed.Count;
        state.State.NextReplay += passed.Count > 0 ? 1 : 0;
        await state.WriteStateAsync();

        if (passed.Count > 0)
        {
            await this.GetStreamProvider(PipelineStreams.DerivedProviderName)
                .GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Normalized, StreamKeys.ForShard(Tenant, 0)))
                .PublishAsync(Tenant, StreamKeys.ForShard(Tenant, 0), passed);
        }

        ProcessingGrainInstruments.RecordReplayed(Tenant, passed.Count);
        LogReplayed(logger, Tenant, passed.Count, stillFailing, notReplayable);
        return new DeadLetterReplayResult(passed.Count, stillFailing, notReplayable, objectName);
    }

    /// <summary>
    /// One object per replay, named by the replay's number: a replay repeated after a crash (before the
    /// state below was written) overwrites the same object instead of archiving the events twice.
    /// </summary>
    private async Task<string> ArchiveReplayedAsync(List<NormalizedEvent> events)
    {
        using var writer = new ArchiveWriter(archive, Tenant, ReplayStreamKey(Tenant), _options.Archive, timeProvider, logger);
        writer.Add(events, state.State.NextReplay);
        var written = await writer.FlushAsync(CancellationToken.None)
            ?? throw new InvalidOperationException($"The replay archive object of tenant {Tenant} was not written.");
        return written.Name;
    }

    private async Task OnBatchAsync(DeadLetterBatch batch, StreamSequenceToken? token)
    {
        var sequence = token?.SequenceNumber ?? -1;
        if (sequence >= 0 && sequence <= state.State.CountedThrough)
        {
            return;
        }

        var s = state.State;
        if (batch.Source is { } source)
        {
            if (!source.IsAfter(s.SourceCountedThrough.GetValueOrDefault(source.StreamKey)))
            {
                // Sent again by a processor replaying after a crash: counted and kept the first time.
                s.CountedThrough = Math.Max(s.CountedThrough, sequence);
                await state.WriteStateAsync();
                return;
            }

            s.SourceCountedThrough[source.StreamKey] = source;
        }

        s.Counts[batch.Stage] = s.Counts.GetValueOrDefault(batch.Stage) + batch.Letters.Count;
        foreach (var letter in batch.Letters)
        {
            s.Retained.Add(new RetainedDeadLetter(batch.BatchId, letter.Index, batch.IngestTime, batch.Stage, letter.Reason, letter.Raw.ToArray()));
        }

        Trim(s);
        s.CountedThrough = Math.Max(s.CountedThrough, sequence);
        await state.WriteStateAsync();
        ProcessingGrainInstruments.RecordDeadLetters(Tenant, batch.Stage, batch.Letters.Count);
    }

    private void Trim(DeadLetterState s)
    {
        var bytes = s.Retained.Sum(static l => (long)l.Raw.Length);
        var drop = 0;
        while (drop < s.Retained.Count && (s.Retained.Count - drop > _options.RetainedDeadLetters || bytes > _options.RetainedDeadLetterBytes))
        {
            bytes -= s.Retained[drop].Raw.Length;
            drop++;
        }

        if (drop > 0)
        {
            s.Retained.RemoveRange(0, drop);
            s.Dropped += drop;
        }
    }

    /// <summary>
    /// The dead-letter stream does not carry the request's framing: an event whose first non-blank byte is
    /// '{' is read as JSON, anything else as a text line.
    /// </summary>
    private static EventKind KindOf(ReadOnlySpan<byte> raw)
    {
        var trimmed = raw.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] == (byte)'{' ? EventKind.Json : EventKind.Text;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} dead-letter replay: {Replayed} passed, {StillFailing} still fail, {NotReplayable} ingest-stage letters kept")]
    private static partial void LogReplayed(ILogger logger, string tenantId, int replayed, int stillFailing, int notReplayable);
}
