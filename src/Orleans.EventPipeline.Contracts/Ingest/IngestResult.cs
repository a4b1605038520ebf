namespace Orleans.EventPipeline.Ingest;

/// <summary>How an ingest request ended.</summary>
public enum IngestOutcome
{
    /// <summary>Durable in the stream (valid events on the raw stream, rejected ones on the dead-letter stream).</summary>
    Stored = 0,

    /// <summary>The tenant is over its rate; nothing was stored.</summary>
    RateLimited = 1,

    /// <summary>The tenant is disabled or was never configured; nothing was stored.</summary>
    TenantDisabled = 2,

    /// <summary>The durable stream did not confirm the write; the client must retry.</summary>
    StreamUnavailable = 3,

    /// <summary>The Idempotency-Key was used before with other events; nothing was stored.</summary>
    IdempotencyKeyReused = 4,

    /// <summary>The key the gateway resolved is no longer one of the tenant's active keys (revoked, or its tenant deleted).</summary>
    KeyRevoked = 5,
}

/// <summary>The answer to one ingest request; persisted for idempotent replays.</summary>
/// <param name="Replayed">True when this is the remembered answer to an earlier request with the same Idempotency-Key.</param>
[GenerateSerializer, Immutable]
public sealed record IngestResult(
    [property: Id(0)] IngestOutcome Outcome,
    [property: Id(1)] Guid BatchId,
    [property: Id(2)] int Accepted,
    [property: Id(3)] IReadOnlyList<RejectedEvent> Rejected,
    [property: Id(4)] TimeSpan? RetryAfter,
    [property: Id(5)] string? Detail,
    [property: Id(6)] bool Replayed)
{
    /// <summary>How long a replay of this answer stays valid; the tenant's idempotency window.</summary>
    [Id(7)] public TimeSpan IdempotencyWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The tenant's <see cref="Tenants.TenantProfile.DataGeneration"/> the shard stored the batch under: a remembered
    /// answer holds while the tenant's is the same. Null from a shard of a build before it was kept.
    /// </summary>
    [Id(8)] public Guid? DataGeneration { get; init; }

    public static IngestResult Refused(IngestOutcome outcome, string detail, TimeSpan? retryAfter = null) =>
        new(outcome, Guid.Empty, 0, [], retryAfter, detail, Replayed: false);
}

/// <summary>An event the gateway did not accept, by its position in the request.</summary>
[GenerateSerializer, Immutable]
public sealed record RejectedEvent(
    [property: Id(0)] int Index,
    [property: Id(1)] string Reason);
