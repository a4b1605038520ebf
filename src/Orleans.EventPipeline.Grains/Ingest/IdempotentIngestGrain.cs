using System.Security.Cryptography;
using System.Text;
using Orleans.EventPipeline.Ingest;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>The remembered answer to one Idempotency-Key.</summary>
[GenerateSerializer]
public sealed class IdempotencyRecord
{
    [Id(0)] public IngestResult? Result { get; set; }

    [Id(1)] public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Serializes requests carrying one Idempotency-Key (grain key "{tenant}/{key}") and persists the
/// first stored answer, so a retry within the window — also after deactivation or a restart — is
/// answered from storage and writes nothing to the stream.
/// </summary>
/// <remarks>
/// Refusals (429, 403, 503) are not remembered: a retry of those must be able to succeed. If the
/// silo dies between the stream write and the record's write, the retry stores the batch again,
/// with the same batch id, so consumers can drop the repeat (at-least-once, documented in
/// docs/ARCHITECTURE.md).
/// </remarks>
public sealed class IdempotentIngestGrain(
    [PersistentState("idempotency", PipelineStorage.Tenants)] IPersistentState<IdempotencyRecord> state,
    TimeProvider timeProvider) : Grain, IIdempotentIngestGrain
{
    public async Task<IngestResult> IngestOnceAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (state.State.Result is { } remembered && timeProvider.GetUtcNow() < state.State.ExpiresAt)
        {
            return remembered with { Replayed = true };
        }

        var key = this.GetPrimaryKeyString();
        var tenantId = key[..key.IndexOf('/', StringComparison.Ordinal)];
        var result = await GrainFactory.GetGrain<ITenantIngestGrain>(tenantId).IngestAsync(batch with { BatchId = BatchIdFor(key) });
        if (result.Outcome == IngestOutcome.Stored)
        {
            state.State.Result = result;
            state.State.ExpiresAt = timeProvider.GetUtcNow() + result.IdempotencyWindow;
            await state.WriteStateAsync();
            // One key is rarely used twice; a retry reactivates from storage in about a millisecond.
            DeactivateOnIdle();
        }

        return result;
    }

    /// <summary>A batch id derived from tenant and key, so a repeated store carries the same event ids.</summary>
    public static Guid BatchIdFor(string tenantAndKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(tenantAndKey));
        return new Guid(hash.AsSpan(0, 16));
    }
}
