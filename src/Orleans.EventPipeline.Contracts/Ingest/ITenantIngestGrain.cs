using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Ingest;

/// <summary>
/// One shard of a tenant's ingest, keyed by the shard's stream key (<see cref="Streams.StreamKeys.ForShard"/>):
/// enforces the tenant's rate (cluster-wide, across its shards), stamps the batch and produces it to the
/// shard's raw stream. Returns only after the stream write is durable in Event Hubs: that return is the
/// acknowledgement the gateway passes to the client.
/// </summary>
public interface ITenantIngestGrain : IGrainWithStringKey
{
    Task<IngestResult> IngestAsync(IngestBatch batch);

    /// <summary>Applies settings the tenant grain just stored, without waiting for a reactivation (a tenant grain of an earlier build).</summary>
    Task ApplySettingsAsync(TenantSettings settings);

    /// <summary>
    /// Applies settings the tenant grain stored as its <paramref name="version"/>, with its data's
    /// <paramref name="dataGeneration"/>. Calls may arrive out of order (one that timed out can come after the next
    /// change's): an older version than the one applied is ignored, and at the same version a refusal wins, since a
    /// delete applies its refusal under the version of the tenant it deletes.
    /// </summary>
    Task ApplySettingsAsync(TenantSettings settings, long version, Guid? dataGeneration);

    /// <summary>The hashes of the tenant's active keys, sent by the tenant grain whenever a key is issued or revoked.</summary>
    Task ApplyKeysAsync(IReadOnlyList<string> activeKeyHashes);
}
