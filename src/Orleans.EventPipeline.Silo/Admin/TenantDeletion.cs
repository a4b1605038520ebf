using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Deduplication;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>What a delete does with a tenant's data: <c>keep</c> leaves it in the archive store, <c>remove</c> deletes it.</summary>
public enum TenantDataChoice
{
    Keep,
    Remove,
}

/// <summary>
/// Deletes a tenant: it is disabled first (its ingest shards refuse its requests at once, also from a gateway
/// that still has a key cached), then with <see cref="TenantDataChoice.Remove"/> its archive objects and dead
/// letters are deleted, then its keys are revoked and its record and listing removed. A failure part way
/// leaves a disabled tenant that the same DELETE finishes.
/// </summary>
public static class TenantDeletion
{
    /// <summary>Archive deletes in flight at once: a store round trip each, so a tenant of 10,000 objects takes seconds, not minutes.</summary>
    private const int DeleteParallelism = 16;

    /// <summary>The outcome, and the deletion's figures when it was done.</summary>
    public static async Task<(TenantChange Change, TenantDeleted? Deleted)> DeleteAsync(
        IGrainFactory grains, IArchiveStore store, string tenantId, TenantDataChoice data, TenantCondition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        // With data=remove, a new data generation and the removal marked begun in the same step: if the delete stops part
        // way, no Idempotency-Key answer about the data is given again, and the tenant stays disabled until it is repeated.
        var disabled = data == TenantDataChoice.Remove
            ? await tenant.BeginDataRemovalAsync(condition)
            : await tenant.SetEnabledAsync(false, condition);
        if (disabled.Outcome != TenantChangeOutcome.Done)
        {
            return (disabled, null);
        }

        var archiveObjects = 0;
        var deadLetters = 0;
        if (data == TenantDataChoice.Remove)
        {
            // How far, per stream key, the removed archive objects and letters reached: the processors go on with the
            // batches acknowledged before the disable while this runs (seconds behind, normally), and a batch handled
            // after its data was listed keeps both its events and its record of keyed batches (KeyedBatchIndex.RemoveAsync).
            var removedThrough = new Dictionary<string, long>(StringComparer.Ordinal);
            var archive = await ListAsync(store, tenantId + "/", cancellationToken);
            foreach (var name in archive)
            {
                if (ArchiveObjectName.TryParse(name, out var parsed) && parsed.TenantId == tenantId)
                {
                    removedThrough[parsed.StreamKey] = Math.Max(removedThrough.GetValueOrDefault(parsed.StreamKey, long.MinValue), parsed.LastSequence);
                }
            }

            await DeleteAsync(store, archive, cancellationToken);
            archiveObjects = archive.Count;
            var forgotten = await grains.GetGrain<IDeadLetterGrain>(tenantId).ForgetThroughAsync();
            deadLetters = forgotten.Letters;
            foreach (var (streamKey, through) in forgotten.CountedThrough)
            {
                removedThrough[streamKey] = Math.Max(removedThrough.GetValueOrDefault(streamKey, long.MinValue), through);
            }

            // Objects the dead-letter grain no longer pointed to (a write cut short by a crash).
            await DeleteAsync(store, await ListAsync(store, DeadLetterStore.Prefix + Uri.EscapeDataString(tenantId) + "/", cancellationToken), cancellationToken);
            // The processors' record of the keyed batches whose events and letters went: a retry of their keys stores them again.
            await KeyedBatchIndex.RemoveAsync(store, tenantId, removedThrough, cancellationToken);
        }

        // With the data removed, the tombstone gets a data generation of its own and no mark of a removal begun.
        var deleted = await tenant.DeleteAsync(TenantCondition.None, dataRemoved: data == TenantDataChoice.Remove);
        if (deleted.Outcome != TenantChangeOutcome.Done)
        {
            // Deleted by a concurrent call between the two steps.
            return (deleted, null);
        }

        return (deleted, new TenantDeleted(tenantId, data == TenantDataChoice.Remove ? "remove" : "keep", deleted.KeysRevoked, archiveObjects, deadLetters));
    }

    private static async Task<List<string>> ListAsync(IArchiveStore store, string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var name in store.ListAsync(prefix, cancellationToken))
        {
            names.Add(name);
        }

        return names;
    }

    private static async Task DeleteAsync(IArchiveStore store, List<string> names, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellationToken },
            async (name, token) => await store.DeleteAsync(name, token));
}

/// <summary>Answer of <c>DELETE /admin/v1/tenants/{id}</c>: what was removed.</summary>
/// <param name="Data">The choice made: <c>keep</c> or <c>remove</c>.</param>
/// <param name="ArchiveObjectsRemoved">Archive objects deleted (0 with <c>keep</c>).</param>
/// <param name="DeadLettersRemoved">Kept dead letters deleted (0 with <c>keep</c>).</param>
public sealed record TenantDeleted(string TenantId, string Data, int KeysRevoked, int ArchiveObjectsRemoved, int DeadLettersRemoved);
