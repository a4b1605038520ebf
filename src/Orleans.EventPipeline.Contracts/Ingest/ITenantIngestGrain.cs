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

    /// <summary>Applies settings the tenant grain just stored, without waiting for a reactivation.</summary>
    Task ApplySettingsAsync(TenantSettings settings);

    /// <summary>The hashes of the tenant's active keys, sent by the tenant grain whenever a key is issued or revoked.</summary>
    Task ApplyKeysAsync(IReadOnlyList<string> activeKeyHashes);
}
