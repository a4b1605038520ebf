using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Ingest;

/// <summary>
/// One client request after the gateway framed it: the accepted events as length-prefixed bytes
/// (<see cref="EventFrames"/>) and the rejected ones with their reasons. Passed by reference inside
/// a silo, never copied per event.
/// </summary>
/// <param name="RequestBytes">Decompressed size of the request body, charged to the tenant's byte rate.</param>
[GenerateSerializer, Immutable]
public sealed record IngestBatch(
    [property: Id(0)] EventKind Kind,
    [property: Id(1)] int Count,
    [property: Id(2)] ReadOnlyMemory<byte> Frames,
    [property: Id(3)] IReadOnlyList<DeadLetter> Rejected,
    [property: Id(4)] long RequestBytes)
{
    /// <summary>
    /// Set by the idempotency grain so that a retried request gets the same batch (and event) ids;
    /// null for a request without Idempotency-Key, which gets a fresh time-ordered id.
    /// </summary>
    [Id(5)] public Guid? BatchId { get; init; }

    /// <summary>
    /// Set by the idempotency grain when an earlier attempt with the same key started at this time and its
    /// outcome is unknown (<see cref="Streams.RawEventBatch.UncertainSince"/>).
    /// </summary>
    [Id(6)] public DateTimeOffset? UncertainSince { get; init; }

    /// <summary>Total events in the request, accepted or not.</summary>
    /// <summary>
    /// The hash of the API key the gateway resolved the tenant from (<c>ApiKeySecret.Hash</c>). The ingest shard
    /// refuses the batch unless it is one of the tenant's active keys, so a revoke takes effect at once on every
    /// gateway, whatever their key caches hold. Null from callers inside the cluster, which hold no key.
    /// </summary>
    [Id(7)] public string? KeyHash { get; init; }

    public int TotalEvents => Count + Rejected.Count;
}
