using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Deduplication;
using Orleans.EventPipeline.Streams;
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
/// that still has a key cached), then with <see cref="TenantDataChoice.Remove"/> its processors drop what they hold
/// of its data and its archive objects and dead letters are deleted, then its keys are revoked and its record and
/// listing removed. A failure part way leaves a disabled tenant that the same DELETE finishes.
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
            Func<Task>[] steps =
            [
                // The processors first: the tenant's events acknowledged before the first step may still be on its streams
                // or in a processor's archive buffer (up to the archive's MaxAge), and would be archived after the listing
                // below, into a tenant created again under the id (helper-130 measured 22,680). Each drops what it holds,
                // and from here drops every batch of the generation the first step named removed, as do processors
                // activated later, which read it from the tenant grain. One that does not answer fails the delete, which
                // stays unfinished until repeated.
                () => DropRemovedDataAsync(grains, tenantId, disabled.Profile),
                // Then the dead letters, before the archive: a replay runs on their grain one call at a time with this, so
                // one that began before has written its archive object by now, and one after finds nothing to replay; after
                // the archive's listing, a replay's object would have stayed behind for a tenant created again (helper-105).
                async () => deadLetters = await grains.GetGrain<IDeadLetterGrain>(tenantId).ForgetAsync(),
                // Only what the archive writes there (objects and their markers): a local archive directory that holds
                // another silo's data directory under a tenant's name kept that silo's files there (helper-107 saw them deleted).
                async () => archiveObjects = await DeletePrefixAsync(
                    store,
                    tenantId + "/",
                    cancellationToken,
                    counted: static name => ArchiveObjectName.TryParse(name, out _),
                    ours: name => (ArchiveObjectName.TryParse(name, out var parsed) || ArchiveObjectName.TryParseSpill(name, out parsed)) && parsed.TenantId == tenantId),
                // Objects the dead-letter grain no longer pointed to (a write cut short by a crash).
                () => DeletePrefixAsync(store, DeadLetterStore.FolderOf(tenantId), cancellationToken),
                // The processors' record of keyed batches handled: about events that are gone.
                () => DeletePrefixAsync(store, KeyedBatchIndex.TenantPrefix(tenantId), cancellationToken),
            ];
            foreach (var step in steps)
            {
                // Each step only while the tenant is the one the first step left: a concurrent delete that finished, and a
                // create again, made a new tenant whose data the rest of this one removed (helper-107).
                if (await ChangedSinceAsync(tenant, disabled.Profile) is { } changed)
                {
                    return (changed, null);
                }

                await step();
            }
        }

        // With the data removed, the tombstone gets a data generation of its own and no mark of a removal begun. Only the
        // tenant the first step disabled: one changed since (a PUT meanwhile), or deleted by a concurrent delete and created
        // again, is not deleted by this one, which answers as for a stale If-Match (helper-105 saw a tenant created after
        // a delete's first step deleted by its last).
        var deleted = await tenant.DeleteAsync(new TenantCondition(IfVersion: disabled.Profile.Version), dataRemoved: data == TenantDataChoice.Remove);
        if (deleted.Outcome != TenantChangeOutcome.Done)
        {
            return (deleted, null);
        }

        return (deleted, new TenantDeleted(tenantId, data == TenantDataChoice.Remove ? "remove" : "keep", deleted.KeysRevoked, archiveObjects, deadLetters));
    }

    /// <summary>
    /// Has every stream key the tenant has had drop its data of the removed generations: each shard's processor, which
    /// tells its order stage. The dead-letter grain learns them in its own step (ForgetAsync).
    /// </summary>
    private static async Task DropRemovedDataAsync(IGrainFactory grains, string tenantId, TenantProfile disabled)
    {
        var shards = Math.Max(disabled.ShardsUsed, disabled.Settings?.ShardCount ?? 1);
        await Task.WhenAll(Enumerable.Range(0, shards).Select(shard =>
            grains.GetGrain<ITenantStreamProcessorGrain>(StreamKeys.ForShard(tenantId, shard)).DropRemovedDataAsync(disabled.Version)));
    }

    /// <summary>
    /// Null while the tenant is at <paramref name="disabled"/>'s version; else not found (a concurrent delete finished) or
    /// its version mismatch (changed, or created again).
    /// </summary>
    private static async Task<TenantChange?> ChangedSinceAsync(ITenantGrain tenant, TenantProfile disabled)
    {
        var now = await tenant.GetProfileAsync();
        return now.Version == disabled.Version ? null
            : new TenantChange(now.Exists ? TenantChangeOutcome.VersionMismatch : TenantChangeOutcome.NotFound, now);
    }

    /// <param name="ours">The names to delete, when not every one under the prefix.</param>
    /// <returns>The objects deleted, those <paramref name="counted"/> takes when given (an archive's objects, not its markers).</returns>
    private static async Task<int> DeletePrefixAsync(IArchiveStore store, string prefix, CancellationToken cancellationToken, Func<string, bool>? counted = null, Func<string, bool>? ours = null)
    {
        var names = new List<string>();
        await foreach (var name in store.ListAsync(prefix, cancellationToken))
        {
            if (ours is null || ours(name))
            {
                names.Add(name);
            }
        }

        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellationToken },
            async (name, token) => await store.DeleteAsync(name, token));
        return counted is null ? names.Count : names.Count(counted);
    }
}

/// <summary>Answer of <c>DELETE /admin/v1/tenants/{id}</c>: what was removed.</summary>
/// <param name="Data">The choice made: <c>keep</c> or <c>remove</c>.</param>
/// <param name="ArchiveObjectsRemoved">Archive objects deleted (0 with <c>keep</c>).</param>
/// <param name="DeadLettersRemoved">Dead letters deleted, kept and past (0 with <c>keep</c>; past ones an earlier build dropped without storing are counted too).</param>
public sealed record TenantDeleted(string TenantId, string Data, int KeysRevoked, int ArchiveObjectsRemoved, int DeadLettersRemoved);
