using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Counts a tenant's dead letters from its durable dead-letter stream (each stream position once, so a
/// replay after a crash does not count twice; a processor's letters once per raw-stream source; a keyed
/// request's letters once per batch id, so its retry does not count twice) and stores every letter as objects of the
/// archive store (<see cref="DeadLetterStore"/>). The newest, bounded by
/// <see cref="ProcessingGrainOptions.RetainedDeadLetters"/> and <see cref="ProcessingGrainOptions.RetainedDeadLetterBytes"/>,
/// are kept for listing and replay; older ones become past: written to past objects that never change (read back
/// with <see cref="ReadPastAsync"/>), until the tenant's data is removed. Its state holds counters and pointers only.
/// </summary>
[ImplicitStreamSubscription(PipelineStreams.DeadLetter)]
[CollectionAgeLimit(Minutes = GrainIdleAge.Minutes)]
public sealed partial class DeadLetterGrain(
    [PersistentState("deadletters", PipelineStorage.Tenants)] IPersistentState<DeadLetterState> state,
    IArchiveStore archive,
    IOptions<ProcessingGrainOptions> options,
    IOptions<ArchiveOptions> archiveOptions,
    LookupDirectory lookups,
    TimeProvider timeProvider,
    ILogger<DeadLetterGrain> logger) : Grain, IDeadLetterGrain
{
    /// <summary>Stream key of the archive objects written by replays, next to the tenant's shard keys.</summary>
    public static string ReplayStreamKey(string tenantId) => tenantId + "~replay";

    // Bytes of a page of past letters, about 4 MiB (raw bytes, reasons, 64 per letter besides), and its past objects, 256:
    // a page ends with the object that reaches either, and a past object holds at most MaxPastObjectLetters letters and
    // MaxPastObjectBytes, so a page returns at most 256 objects and about 5 MiB, read PastReadAhead at a time.
    private const long MaxPastPageBytes = 4L << 20;
    private const int MaxPastPageObjects = 256;

    // Past objects a page reads at once: 8 round trips in flight, and at most 7 objects (of MaxPastObjectBytes each) read
    // past the page's end and dropped.
    private const int PastReadAhead = 8;

    // A past object holds at most 1,000 letters and 1 MiB of raw bytes: letters trimmed together past that go to the next.
    private const int MaxPastObjectLetters = 1_000;
    private const long MaxPastObjectBytes = 1L << 20;

    private readonly ProcessingGrainOptions _options = options.Value;
    private readonly ArchiveOptions _archiveOptions = archiveOptions.Value;

    // As the processor keeps them: the generations a delete removed (made at first use: the grain's factory).
    private RemovedGenerations? _removedGenerations;

    private string Tenant => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Retained.Count > 0)
        {
            // A record from before the letters moved out of the state: its letters become the oldest object.
            await KeepAsync(state.State.Retained);
            state.State.Retained = [];
            await state.WriteStateAsync(cancellationToken);
        }

        if (state.State.ReplayInFlight is not null)
        {
            // Not a failure of the activation: the tenant's letters go on being counted and stored meanwhile, and the next
            // replay tries again before it starts (an archive that refuses deletes would otherwise stop the grain for good).
            try
            {
                await TakeBackUnrecordedReplayAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogReplayNotTakenBack(logger, exception, Tenant, state.State.ReplayInFlight);
            }
        }

        if (state.State.NextPast == 0 && state.State.Dropped > 0)
        {
            // Letters went past with no past object counted: a build before past objects, or one that rewrote this state
            // without NextPast during a rolling upgrade. Numbers go on after the past objects it counted, never over one.
            state.State.NextPast = await RecoverNextPastAsync(cancellationToken);
            state.State.FirstPast = Math.Min(state.State.FirstPast, state.State.NextPast);
        }

        await this.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, Tenant))
            .SubscribeAsync(OnBatchAsync);
    }

    public async Task<DeadLetterSummary> GetSummaryAsync(int recent)
    {
        var s = state.State;
        var newest = new List<RetainedDeadLetter>(Math.Clamp(recent, 0, s.KeptCount));
        for (var i = s.Kept.Count - 1; i >= 0 && newest.Count < recent; i--)
        {
            var kept = s.Kept[i];
            var letters = await DeadLetterStore.ReadAsync(archive, Tenant, kept.Number, CancellationToken.None);
            for (var j = letters.Length - 1; j >= kept.Dropped && newest.Count < recent; j--)
            {
                newest.Add(letters[j]);
            }
        }

        return new DeadLetterSummary(
            Tenant,
            s.Counts.Values.Sum(),
            new Dictionary<string, long>(s.Counts, StringComparer.Ordinal),
            s.KeptCount,
            s.Dropped,
            s.Replayed,
            newest);
    }

    public async Task<DeadLetterReplayResult> ReplayAsync()
    {
        // The object of a replay stopped unrecorded goes before this one is started, which would replace its name.
        await TakeBackUnrecordedReplayAsync(CancellationToken.None);
        var profile = await GrainFactory.GetGrain<ITenantGrain>(Tenant).GetProfileAsync();
        using var stages = TenantStages.Create(profile, lookups, logger);
        var passed = new List<NormalizedEvent>();
        var retained = await ReadKeptAsync();
        var kept = new List<RetainedDeadLetter>(retained.Count);
        var stillFailing = 0;
        var notReplayable = 0;
        foreach (var letter in retained)
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
                passed.Add(stages.Enrich([normalized])[0]);
                continue;
            }

            stillFailing++;
            kept.Add(letter with { Reason = failure, Stage = TenantStages.NormalizeStage });
        }

        // The letters still kept (with their new reasons) become one new object; the old ones go once the state no
        // longer points to them (their past letters are in past objects already).
        var replaced = state.State.Kept;
        var replay = state.State.NextReplay;
        using var writer = new ArchiveWriter(archive, Tenant, ReplayStreamKey(Tenant), _archiveOptions, timeProvider, logger);
        string? objectName = null;
        try
        {
            if (passed.Count > 0)
            {
                // One object per replay, named by the replay's number (and its first event's hour): a replay repeated
                // after a failure overwrites it when it archives the same letters.
                writer.Add(passed, replay);
                objectName = writer.PendingName!.Value.Name;
                // Saved before the write, so that a silo killed before the state write below takes the object back on the
                // next activation: its letters are still kept then, and would be in the archive and the dead letters both.
                state.State.ReplayInFlight = objectName;
                await state.WriteStateAsync();
                _ = await writer.FlushAsync(CancellationToken.None)
                    ?? throw new InvalidOperationException($"The replay archive object of tenant {Tenant} was not written.");
            }

            state.State.Kept = [];
            await KeepAsync(kept);
            state.State.Replayed += passed.Count;
            state.State.NextReplay += passed.Count > 0 ? 1 : 0;
            state.State.ReplayInFlight = null;
            await state.WriteStateAsync();
        }
        catch
        {
            // The state in memory may point past what is saved. The saved state names this replay's object (ReplayInFlight)
            // unless the write that records the replay was stored after all; then its letters are still kept, so the object
            // goes too: kept, they would become past letters beside it. Should the silo stop first, or the store fail, the
            // next activation or replay deletes it.
            if (objectName is not null)
            {
                await TakeBackAfterFailureAsync();
            }

            DeactivateOnIdle();
            throw;
        }

        await DeleteAsync(replaced);

        if (passed.Count > 0 && profile.Settings?.Processing.Ordering.Enabled == true)
        {
            await GrainFactory.GetGrain<IEventOrderGrain>(StreamKeys.ForShard(Tenant, 0)).AddAsync(position: null, passed);
        }

        ProcessingGrainInstruments.RecordReplayed(Tenant, passed.Count);
        LogReplayed(logger, Tenant, passed.Count, stillFailing, notReplayable);
        return new DeadLetterReplayResult(passed.Count, stillFailing, notReplayable, objectName);
    }

    /// <summary>
    /// The number after the last past object the saved state counts: past objects at the top written by a delivery past
    /// the state's <see cref="DeadLetterState.CountedThrough"/> were left by one whose state write failed (its redelivery
    /// writes them again), so the numbers go on from the first of them.
    /// </summary>
    private async Task<long> RecoverNextPastAsync(CancellationToken cancellationToken)
    {
        var numbers = await DeadLetterStore.PastNumbersAsync(archive, Tenant, cancellationToken);
        var next = numbers.Count == 0 ? 0 : numbers[^1] + 1;
        for (var i = numbers.Count - 1; i >= 0; i--)
        {
            var past = await DeadLetterStore.ReadPastAsync(archive, Tenant, numbers[i], cancellationToken);
            if (past.Sequence <= state.State.CountedThrough)
            {
                break;
            }

            next = numbers[i];
        }

        return next;
    }

    /// <summary>
    /// Deletes the archive object of a replay stopped between its archive write and the state write that records it (its
    /// letters are still kept), then clears <see cref="DeadLetterState.ReplayInFlight"/>; nothing when there is none.
    /// </summary>
    private async Task TakeBackUnrecordedReplayAsync(CancellationToken cancellationToken)
    {
        if (state.State.ReplayInFlight is not { } unrecorded)
        {
            return;
        }

        await archive.DeleteAsync(unrecorded, cancellationToken);
        state.State.ReplayInFlight = null;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            // As saved: the delete is repeated, and finds nothing.
            state.State.ReplayInFlight = unrecorded;
            throw;
        }

        LogReplayTakenBack(logger, Tenant, unrecorded);
    }

    /// <summary>After a replay failed: the saved state read again, and its unrecorded object deleted; a failure is logged.</summary>
    private async Task TakeBackAfterFailureAsync()
    {
        try
        {
            await state.ReadStateAsync();
            await TakeBackUnrecordedReplayAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogReplayNotTakenBack(logger, exception, Tenant, state.State.ReplayInFlight);
        }
    }

    private async Task OnBatchAsync(DeadLetterBatch batch, StreamSequenceToken? token)
    {
        var sequence = token?.SequenceNumber ?? -1;
        if (sequence >= 0 && sequence <= state.State.CountedThrough)
        {
            return;
        }

        if (await Removed.IsRemovedAsync(batch.DataGeneration))
        {
            // About events acknowledged before a delete that removed the tenant's data (ForgetAsync), arriving after it:
            // dropped, not kept for a tenant created again under the id. A redelivery is dropped again.
            ProcessingGrainInstruments.RecordRemovedByDelete(Tenant, batch.Stage, batch.Letters.Count);
            LogRemovedLettersDropped(logger, Tenant, batch.Letters.Count, batch.Stage, batch.BatchId);
            return;
        }

        var s = state.State;
        if (batch.Source is { } source && !source.IsAfter(s.SourceCountedThrough.GetValueOrDefault(source.StreamKey)))
        {
            // Sent again by a processor replaying after a crash: counted and kept the first time.
            s.CountedThrough = Math.Max(s.CountedThrough, sequence);
            await state.WriteStateAsync();
            return;
        }

        if (batch.Keyed && s.KeyedCounted.Contains(batch.RepeatKey))
        {
            // The retry of a keyed request whose first attempt's letters were counted: same batch id, same lines.
            s.CountedThrough = Math.Max(s.CountedThrough, sequence);
            await state.WriteStateAsync();
            return;
        }

        var letters = new RetainedDeadLetter[batch.Letters.Count];
        for (var i = 0; i < letters.Length; i++)
        {
            var letter = batch.Letters[i];
            letters[i] = new RetainedDeadLetter(batch.BatchId, letter.Index, batch.IngestTime, batch.Stage, letter.Reason, letter.Raw.ToArray());
        }

        List<DeadLetterObject> emptied;
        try
        {
            // The objects are durable before the state points to them; a crash before the state is written
            // redelivers this batch, which writes the same object numbers again with the same letters.
            await KeepAsync(letters);
            if (batch.Source is { } counted)
            {
                s.SourceCountedThrough[counted.StreamKey] = counted;
            }

            if (batch.Keyed && _options.RememberedKeyedLetterMessages > 0)
            {
                s.KeyedCounted.Add(batch.RepeatKey);
                if (s.KeyedCounted.Count > _options.RememberedKeyedLetterMessages)
                {
                    s.KeyedCounted.RemoveRange(0, s.KeyedCounted.Count - _options.RememberedKeyedLetterMessages);
                }
            }

            s.Counts[batch.Stage] = s.Counts.GetValueOrDefault(batch.Stage) + batch.Letters.Count;
            emptied = await TrimAsync(s, sequence);
            s.CountedThrough = Math.Max(s.CountedThrough, sequence);
            await state.WriteStateAsync();
        }
        catch
        {
            // The batch is delivered again; the state in memory may already count it, so it is read again first.
            DeactivateOnIdle();
            throw;
        }

        await DeleteAsync(emptied);
        ProcessingGrainInstruments.RecordDeadLetters(Tenant, batch.Stage, batch.Letters.Count);
    }

    public async Task<DeadLetterPastPage> ReadPastAsync(long after, int maxLetters)
    {
        var s = state.State;
        var objects = new List<DeadLetterPastObject>();
        var letters = 0;
        var bytes = 0L;
        // Only numbers the saved state counts: a past object written for a batch whose state write failed is written
        // again, with the same letters, when the batch is redelivered. Read PastReadAhead at a time: a page of blob reads
        // one after another took one round trip per object; the page's bounds are checked in order as before, so a page
        // reads at most PastReadAhead - 1 objects it does not return.
        var number = Math.Max(after + 1, s.FirstPast);
        var end = s.NextPast;
        while (number < end)
        {
            var window = (int)Math.Min(PastReadAhead, end - number);
            var reads = new Task<DeadLetterStore.PastObject>[window];
            for (var i = 0; i < window; i++)
            {
                reads[i] = DeadLetterStore.ReadPastAsync(archive, Tenant, number + i, CancellationToken.None);
            }

            await Task.WhenAll(reads);
            for (var i = 0; i < window; i++, number++)
            {
                if (objects.Count > 0 && (letters >= maxLetters || bytes >= MaxPastPageBytes || objects.Count >= MaxPastPageObjects))
                {
                    return new DeadLetterPastPage(Tenant, objects, objects[^1].Number);
                }

                var read = reads[i].Result.Letters;
                objects.Add(new DeadLetterPastObject(number, read));
                letters += read.Count;
                bytes += read.Sum(static l => (long)l.Raw.Length + (2L * l.Reason.Length) + 64);
            }
        }

        return new DeadLetterPastPage(Tenant, objects, null);
    }

    private RemovedGenerations Removed => _removedGenerations ??= new RemovedGenerations(GrainFactory, Tenant);

    public async Task<int> ForgetAsync()
    {
        // The delete called this after its first step named the tenant's generation removed: letters of it still on their
        // stream (the ingest shards' and the processors' sent before the delete reached them) are dropped when they arrive.
        await Removed.RefreshAsync();
        var s = state.State;
        // The kept letters and the past ones, which the tenant's whole dead-letter prefix takes with it.
        var removed = (int)Math.Min(int.MaxValue, s.KeptCount + s.Dropped);
        var objects = s.Kept;
        s.Kept = [];
        s.Counts.Clear();
        // The letters' record of keyed repeats goes with them: a key's batch sent again after its tenant's data was
        // removed (the same batch id) is a store again, whose letters are kept again, not repeats of deleted ones.
        s.KeyedCounted.Clear();
        s.Dropped = 0;
        s.Replayed = 0;
        // The past objects go with the tenant's whole dead-letter prefix (TenantDeletion), which it deletes after this; the
        // pages start after them, and their numbers are not used again. A letter that arrives between the two is deleted
        // with the prefix and reads back empty (the tenant's data was being removed).
        s.FirstPast = s.NextPast;
        // The state first: an object it no longer points to is never read, even if its delete fails.
        await state.WriteStateAsync();
        await DeleteAsync(objects);
        return removed;
    }

    /// <summary>Writes the letters as the next object and points the (unsaved) state to it.</summary>
    private async Task KeepAsync(IReadOnlyList<RetainedDeadLetter> letters)
    {
        if (letters.Count == 0)
        {
            return;
        }

        var s = state.State;
        await DeadLetterStore.WriteAsync(archive, Tenant, s.NextObject, letters, CancellationToken.None);
        s.Kept.Add(new DeadLetterObject { Number = s.NextObject, RawSizes = letters.Select(static l => l.Raw.Length).ToArray() });
        s.NextObject++;
    }

    /// <summary>Every kept letter, oldest first.</summary>
    private async Task<List<RetainedDeadLetter>> ReadKeptAsync()
    {
        var letters = new List<RetainedDeadLetter>(state.State.KeptCount);
        foreach (var kept in state.State.Kept)
        {
            letters.AddRange((await DeadLetterStore.ReadAsync(archive, Tenant, kept.Number, CancellationToken.None)).Skip(kept.Dropped));
        }

        return letters;
    }

    /// <summary>
    /// Makes the oldest kept letters over the bounds past: writes them, oldest first, as the next past objects (read from
    /// their kept objects), then counts them as dropped from those. Returns the kept objects left with none, to delete
    /// once the state is written. The same state and batch give the same past objects, so a redelivery rewrites them.
    /// </summary>
    private async Task<List<DeadLetterObject>> TrimAsync(DeadLetterState s, long sequence)
    {
        var count = s.KeptCount;
        var bytes = s.Kept.Sum(static o => o.RawSizes.Skip(o.Dropped).Sum(static size => (long)size));
        var past = new List<RetainedDeadLetter>();
        var emptied = new List<DeadLetterObject>();
        var position = 0;
        RetainedDeadLetter[]? read = null;
        while (position < s.Kept.Count && (count > _options.RetainedDeadLetters || bytes > _options.RetainedDeadLetterBytes))
        {
            var oldest = s.Kept[position];
            read ??= await DeadLetterStore.ReadAsync(archive, Tenant, oldest.Number, CancellationToken.None);
            // A record from before past letters were stored may point to an object that is gone: its letters are counted.
            if (oldest.Dropped < read.Length)
            {
                past.Add(read[oldest.Dropped]);
            }

            bytes -= oldest.RawSizes[oldest.Dropped];
            oldest.Dropped++;
            count--;
            s.Dropped++;
            if (oldest.Kept == 0)
            {
                emptied.Add(oldest);
                position++;
                read = null;
            }
        }

        // In objects of at most MaxPastObjectLetters letters and MaxPastObjectBytes, so that a page of them stays bounded.
        var first = 0;
        while (first < past.Count)
        {
            var end = first;
            var objectBytes = 0L;
            while (end < past.Count && end - first < MaxPastObjectLetters && (end == first || objectBytes + past[end].Raw.Length <= MaxPastObjectBytes))
            {
                objectBytes += past[end].Raw.Length;
                end++;
            }

            await DeadLetterStore.WritePastAsync(archive, Tenant, s.NextPast, sequence, past[first..end], CancellationToken.None);
            s.NextPast++;
            first = end;
        }

        s.Kept.RemoveRange(0, position);
        return emptied;
    }

    /// <summary>
    /// Deletes objects the saved state no longer points to. A failure leaves an object nothing reads (a few
    /// hundred KB at most), logged; it never fails the letters' delivery.
    /// </summary>
    private async Task DeleteAsync(List<DeadLetterObject> unused)
    {
        foreach (var gone in unused)
        {
            try
            {
                await DeadLetterStore.DeleteAsync(archive, Tenant, gone.Number, CancellationToken.None);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogDeleteFailed(logger, exception, Tenant, DeadLetterStore.NameOf(Tenant, gone.Number));
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: a dead-letter replay stopped before it was recorded; its archive object {ObjectName} is deleted, and its letters stay kept")]
    private static partial void LogReplayTakenBack(ILogger logger, string tenantId, string objectName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tenant {TenantId}: the archive object {ObjectName} of a dead-letter replay stopped before it was recorded could not be deleted; its letters stay kept, so until it is, they are archived too. The next replay tries again first")]
    private static partial void LogReplayNotTakenBack(ILogger logger, Exception exception, string tenantId, string? objectName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}: {ObjectName}, no longer pointed to, could not be deleted")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string tenantId, string objectName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: {Letters} {Stage} dead letters of batch {BatchId} dropped: a delete removed the tenant's data after they were sent")]
    private static partial void LogRemovedLettersDropped(ILogger logger, string tenantId, int letters, string stage, Guid batchId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} dead-letter replay: {Replayed} passed, {StillFailing} still fail, {NotReplayable} ingest-stage letters kept")]
    private static partial void LogReplayed(ILogger logger, string tenantId, int replayed, int stillFailing, int notReplayable);
}
