namespace Orleans.EventPipeline.Ingest;

/// <summary>
/// Remembers the answer to one Idempotency-Key of one tenant (key <see cref="IdempotencyGrainKey.For"/>):
/// the first request is ingested and its answer persisted; repeats within the tenant's window get
/// that answer again and store nothing. Calls for one key are serialized by the grain.
/// </summary>
public interface IIdempotentIngestGrain : IGrainWithStringKey
{
    /// <param name="shardCount">
    /// The tenant's shard count as the caller knows it; the first attempt picks its shard by the batch id
    /// among this many and remembers it, so every retry goes to that shard even if the count changed.
    /// </param>
    Task<IngestResult> IngestOnceAsync(IngestBatch batch, int shardCount);
}
