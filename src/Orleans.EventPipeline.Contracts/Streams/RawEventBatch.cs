namespace Orleans.EventPipeline.Streams;

/// <summary>
/// Accepted events of one ingest request (or one ≤1 MB part of it) on a tenant's raw stream.
/// Event <c>i</c> of the request has the id <c>{BatchId:N}:{FirstIndex + i}</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RawEventBatch(
    [property: Id(0)] string TenantId,
    [property: Id(1)] Guid BatchId,
    [property: Id(2)] DateTimeOffset IngestTime,
    [property: Id(3)] EventKind Kind,
    [property: Id(4)] int FirstIndex,
    [property: Id(5)] int Count,
    [property: Id(6)] ReadOnlyMemory<byte> Frames)
{
    /// <summary>
    /// True when the batch id comes from an Idempotency-Key, so the same events can be stored again under
    /// the same ids by a retry; the processor remembers such batches for deduplication.
    /// </summary>
    [Id(7)] public bool Keyed { get; init; }

    /// <summary>
    /// Set on a keyed batch whose earlier attempt, started at this time, may already be stored (the silo
    /// died or the stream did not confirm before the answer was recorded): the processor drops the events
    /// of this batch it already archived or dead-lettered.
    /// </summary>
    [Id(8)] public DateTimeOffset? UncertainSince { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the ingest request's span that wrote this batch, when it was traced; the
    /// processor's span links back to it.
    /// </summary>
    [Id(9)] public string? TraceParent { get; init; }

    /// <summary>
    /// The tenant's <see cref="Tenants.TenantProfile.DataGeneration"/> the ingest shard admitted the batch under. A processor
    /// drops a batch stamped with a generation a delete removed (the tenant grain names those):
    /// acknowledged before a <c>data=remove</c> delete, its events must not reach the archive after it. Null from an
    /// ingest shard of an earlier build: handled as before.
    /// </summary>
    [Id(10)] public Guid? DataGeneration { get; init; }

    /// <summary>The events' bytes, unchanged.</summary>
    public EventFrames Events => new(Frames);

    /// <summary>The id of the event at <paramref name="position"/> within this batch.</summary>
    public string EventId(int position) => FormatEventId(BatchId, FirstIndex + position);

    public static string FormatEventId(Guid batchId, int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{batchId:N}:{index}");
}
