using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>What one Idempotency-Key has done: the remembered answer, or an attempt whose outcome is unknown.</summary>
[GenerateSerializer]
public sealed class IdempotencyRecord
{
    /// <summary>The name of the grain's persistent state: the state name storage keeps records under.</summary>
    public const string StateName = "idempotency";

    /// <summary>The longest a record can matter after it was written: twice the longest window (<see cref="ForgetAfter"/>).</summary>
    public static readonly TimeSpan LongestKept = 2 * TenantSettings.MaxIdempotencyWindow;

    [Id(0)] public IngestResult? Result { get; set; }

    [Id(1)] public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>
    /// When the first attempt without a remembered answer started; persisted before that attempt writes to
    /// the stream, so a retry after a crash (or after a 503 whose write may have landed anyway) knows that
    /// the batch may already be stored.
    /// </summary>
    [Id(2)] public DateTimeOffset? AttemptStartedAt { get; set; }

    /// <summary>Fingerprint of the first attempt's events (<see cref="IngestFingerprint"/>); another body under the key is refused.</summary>
    [Id(3)] public UInt128? Fingerprint { get; set; }

    /// <summary>
    /// The shard's stream key the first attempt went to, persisted with <see cref="AttemptStartedAt"/>: a retry
    /// goes there too, so the processor that may already hold the batch sees it again even after the tenant's
    /// shard count changed. Null in records written before shards were remembered.
    /// </summary>
    [Id(4)] public string? StreamKey { get; set; }

    /// <summary>
    /// The batch id of this round of the key, persisted with <see cref="AttemptStartedAt"/>: derived from the key and
    /// the round's start, so a retry carries the same event ids and a key used again after its window gets ids of its
    /// own (with one id per key, the processor took a later round's events for the first round's, whose record of
    /// keyed batches it reads from 5 minutes before a marked retry's start). Null in records written before rounds
    /// had ids of their own, whose attempts used the key's alone.
    /// </summary>
    [Id(5)] public Guid? BatchId { get; set; }

    /// <summary>
    /// When the record stops mattering and storage may delete it (<c>IdempotencyRecordSweeper</c>): an answer at the
    /// end of its window, when the grain would start the key over anyway. An attempt without an answer after twice the
    /// longest window a tenant may set: its retry is marked, and the processor drops the events it handled by its
    /// record of keyed batches, which it keeps for the tenant's window from when it archived them, which can be later
    /// than the attempt by as long as the processor lagged; twice the window covers a lag of one window.
    /// </summary>
    public DateTimeOffset? ForgetAfter() =>
        Result is not null ? ExpiresAt : AttemptStartedAt + LongestKept;
}

/// <summary>
/// Serializes requests carrying one Idempotency-Key (grain key <see cref="IdempotencyGrainKey"/>, the same grain whichever
/// gateway or shard the request meets), forwards them to the one shard the key's batch id picks, and
/// persists the first stored answer, so a retry within the window — also after deactivation or a restart — is
/// answered from storage and writes nothing to the stream.
/// </summary>
/// <remarks>
/// Refusals (429, 403, 401, 503) are not remembered: a retry of those must be able to succeed. A round whose only
/// attempt the shard refused before writing (429, 403, 401) is forgotten too, so its retry is an unmarked first attempt
/// and the key takes another body; a 503 may follow a write that landed, so its round stays. The start of
/// an attempt is persisted before it writes, so if the silo dies between the stream write and the
/// answer's record, the retry goes out with the same batch id marked
/// <see cref="IngestBatch.UncertainSince"/>, and the processor archives each event id once
/// (docs/ARCHITECTURE.md, exactly-once archive).
/// </remarks>
public sealed partial class IdempotentIngestGrain(
    [PersistentState(IdempotencyRecord.StateName, PipelineStorage.Tenants)] IPersistentState<IdempotencyRecord> state,
    TimeProvider timeProvider,
    ILogger<IdempotentIngestGrain> logger) : Grain, IIdempotentIngestGrain
{
    public async Task<IngestResult> IngestOnceAsync(IngestBatch batch, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var now = timeProvider.GetUtcNow();
        var fingerprint = IngestFingerprint.Of(batch);
        if (state.RecordExists && state.State.ForgetAfter() <= now)
        {
            // The sweep may have deleted the record under this activation: read it again rather than meet its absence
            // at the write (which WriteAsync survives too, after an error logged by Orleans).
            await state.ReadStateAsync();
        }

        var (tenantId, idempotencyKey) = IdempotencyGrainKey.Parse(this.GetPrimaryKeyString());
        // Batch ids come from the key as sent, not the grain's escaped form: a key's ids are those it had before.
        var key = $"{tenantId}/{idempotencyKey}";
        if (state.State.Result is not null && now >= state.State.ExpiresAt)
        {
            // Past the window the key starts over: a new store under the same ids is by definition not a repeat.
            StartOver();
        }
        else if (state.State.Result is { DataGeneration: { } storedUnder }
            && (await GrainFactory.GetGrain<ITenantGrain>(tenantId).GetProfileAsync()).DataGeneration is { } current && current != storedUnder)
        {
            // The tenant's data was deleted since the answer (data=remove, and the tenant maybe created again): it may be
            // about events that are gone. Not all of them need be: a delete does not wait for the processors, which
            // archive what they still held after it. So the same events go out again under their first ids, marked, and
            // the processors keep only those they have no record of (data=remove deleted the record with the data):
            // stored again if they went, not twice if they came after. Other events under the key are a new round.
            // Read for a replay only, the rare request: a round without an answer is sent marked anyway.
            if (state.State.Fingerprint == fingerprint && state.State.AttemptStartedAt is not null)
            {
                state.State.Result = null;
            }
            else
            {
                StartOver();
            }
        }

        if (state.State.Fingerprint is { } first && first != fingerprint)
        {
            // Same key, other events: their ids would be the first body's, and the archive would take them for repeats.
            return IngestResult.Refused(
                IngestOutcome.IdempotencyKeyReused,
                state.State.Result is not null
                    ? "This Idempotency-Key was already used with a different body within the tenant's idempotency window; nothing was stored. Send new events under a new key."
                    : string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"An attempt under this Idempotency-Key with a different body, started at {state.State.AttemptStartedAt:O}, has no known outcome (it may be stored); nothing was stored. Retry that attempt with its own body, or send these events under a new key."));
        }

        if (state.State.Result is { } answer)
        {
            return answer with { Replayed = true };
        }

        var uncertainSince = state.State.AttemptStartedAt;
        if (uncertainSince is null)
        {
            state.State.AttemptStartedAt = now;
            state.State.BatchId = BatchIdFor(key, now);
            state.State.Fingerprint = fingerprint;
            state.State.StreamKey = StreamKeys.ForShard(tenantId, StreamKeys.ShardOfKeyedBatch(state.State.BatchId.Value, shardCount));
            try
            {
                await WriteAsync();
            }
            catch (Exception exception) when (exception is not InconsistentStateException || !state.RecordExists)
            {
                // Not on record, so not started: a retry must not go out under a round storage does not know, which a
                // crash would then start over under other ids. If the write landed after all, the retry's own write
                // meets the row, fails, and the next activation reads the round. (A conflict with a row written by
                // another activation keeps that row, read by WriteAsync, and ends this activation.)
                StartOver();
                throw;
            }
        }

        var batchId = state.State.BatchId ?? BatchIdFor(key, roundStartedAt: null);

        var streamKey = state.State.StreamKey ?? StreamKeys.ForShard(tenantId, StreamKeys.ShardOfKeyedBatch(batchId, shardCount));
        var result = await GrainFactory.GetGrain<ITenantIngestGrain>(streamKey)
            .IngestAsync(batch with { BatchId = batchId, UncertainSince = uncertainSince });
        if (result.Outcome == IngestOutcome.Stored)
        {
            state.State.Result = result;
            state.State.ExpiresAt = timeProvider.GetUtcNow() + result.IdempotencyWindow;
            await WriteAsync();
            // One key is rarely used twice; a retry reactivates from storage in about a millisecond.
            DeactivateOnIdle();
        }
        else if (uncertainSince is null && result.Outcome is IngestOutcome.RateLimited or IngestOutcome.TenantDisabled or IngestOutcome.KeyRevoked)
        {
            // The round's only attempt, refused before the shard wrote anything: nothing may be stored under its ids.
            await ForgetRoundAsync(tenantId);
        }

        return result;
    }

    /// <summary>
    /// Deletes the record of a round nothing was stored in, so that its retry goes out unmarked (no index lookup, no
    /// retry record) and the key takes another body. Should the store refuse, the round stays, in memory as stored: its
    /// retry is marked, as after any unknown outcome, which costs a lookup and never a lost event.
    /// </summary>
    private async Task ForgetRoundAsync(string tenantId)
    {
        try
        {
            // The activation stays: a refused client retries after Retry-After, and a retry that finds it costs no read.
            await state.ClearStateAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogRefusedRoundKept(logger, exception, tenantId);
            if (exception is InconsistentStateException)
            {
                // Another activation's row: the next request reads what storage holds. Otherwise memory holds the stored round.
                DeactivateOnIdle();
            }
        }
    }

    /// <summary>Forgets the round in memory; the next write stores the new one over it.</summary>
    private void StartOver()
    {
        state.State.Result = null;
        state.State.AttemptStartedAt = null;
        state.State.Fingerprint = null;
        state.State.StreamKey = null;
        state.State.BatchId = null;
    }

    /// <summary>
    /// Writes the record. An activation can outlive its record: a client retrying a refused attempt keeps the grain
    /// active past <see cref="IdempotencyRecord.ForgetAfter"/>, and the sweep deletes the row under it. The write then
    /// meets no row at the ETag it read; when there is no row at all, the record is written afresh. A row written by
    /// someone else is a real conflict and fails as before.
    /// </summary>
    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            var pending = state.State;
            await state.ReadStateAsync();
            if (state.RecordExists)
            {
                // Another activation wrote this key's record (two silos briefly each held the grain): its round stands.
                // This activation ends rather than go on with a state it did not write; Orleans also deactivates on this
                // exception, but the record must not depend on that default.
                DeactivateOnIdle();
                throw;
            }

            state.State = pending;
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// A batch id derived from tenant and key and the start of the key's round, so a repeated store carries the same
    /// event ids and a later round other ones; without a round, the id attempts had before rounds were told apart.
    /// </summary>
    public static Guid BatchIdFor(string tenantAndKey, DateTimeOffset? roundStartedAt)
    {
        var name = roundStartedAt is { } started
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{tenantAndKey}\n{started.UtcTicks}")
            : tenantAndKey;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        return new Guid(hash.AsSpan(0, 16));
    }
}
