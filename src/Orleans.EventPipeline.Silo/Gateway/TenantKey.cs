namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// A request's resolved API key: its tenant, and the hash it was found by, which goes with the batch to the
/// tenant's ingest shard so that the shard, told of every revoke, has the last word on the key.
/// </summary>
public readonly record struct TenantKey(string TenantId, string KeyHash);
