namespace Orleans.EventPipeline.Ingest;

/// <summary>
/// Remembers the answer to one Idempotency-Key of one tenant (key "{tenant}/{idempotency key}"):
/// the first request is ingested and its answer persisted; repeats within the tenant's window get
/// that answer again and store nothing. Calls for one key are serialized by the grain.
/// </summary>
public interface IIdempotentIngestGrain : IGrainWithStringKey
{
    Task<IngestResult> IngestOnceAsync(IngestBatch batch);
}
