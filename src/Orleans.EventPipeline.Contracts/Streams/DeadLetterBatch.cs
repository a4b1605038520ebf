namespace Orleans.EventPipeline.Streams;

/// <summary>One event the pipeline could not process, kept with its raw bytes and the reason.</summary>
/// <param name="Index">Position of the event in the client's request.</param>
/// <param name="Raw">The event's bytes; only its first bytes when <see cref="OriginalSize"/> is set.</param>
[GenerateSerializer, Immutable]
public sealed record DeadLetter(
    [property: Id(0)] int Index,
    [property: Id(1)] string Reason,
    [property: Id(2)] ReadOnlyMemory<byte> Raw)
{
    /// <summary>The event's full size in bytes when <see cref="Raw"/> was cut short (an event over the size limit); null when Raw is whole.</summary>
    [Id(3)] public int? OriginalSize { get; init; }
}

/// <summary>Dead letters of one ingest request on the tenant's dead-letter stream.</summary>
[GenerateSerializer, Immutable]
public sealed record DeadLetterBatch(
    [property: Id(0)] string TenantId,
    [property: Id(1)] Guid BatchId,
    [property: Id(2)] DateTimeOffset IngestTime,
    [property: Id(3)] string Stage,
    [property: Id(4)] IReadOnlyList<DeadLetter> Letters)
{
    /// <summary>
    /// Where a processing stage's letters come from: the raw batch's stream key, its raw-stream sequence
    /// number, and this message's ordinal among the letters sent for that raw batch. A processor replaying
    /// after a crash sends the same letters with the same source again; the dead-letter grain counts each
    /// source once. Null for letters of the gateway.
    /// </summary>
    [Id(5)] public DeadLetterSource? Source { get; init; }

    /// <summary>
    /// Letters of a request with an Idempotency-Key: its retry (after a crash or a 503 whose write landed)
    /// carries the same batch id and sends the same letters again, which the dead-letter grain counts once.
    /// </summary>
    [Id(6)] public bool Keyed { get; init; }

    /// <summary>
    /// The data generation of the events the letters are about (<see cref="RawEventBatch.DataGeneration"/>): the
    /// dead-letter grain drops letters of a generation a delete removed. Null from a writer of an earlier build.
    /// </summary>
    [Id(7)] public Guid? DataGeneration { get; init; }

    /// <summary>Names this message among all of its batch's: a request's letters may span several messages.</summary>
    public string RepeatKey => $"{BatchId:N}:{(Letters.Count == 0 ? -1 : Letters[0].Index)}";
}

/// <summary>The raw-stream position a processing stage's dead letters come from (<see cref="DeadLetterBatch.Source"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record DeadLetterSource(
    [property: Id(0)] string StreamKey,
    [property: Id(1)] long Sequence,
    [property: Id(2)] int Part)
{
    /// <summary>True when this source comes after <paramref name="other"/> on the same stream key.</summary>
    public bool IsAfter(DeadLetterSource? other) =>
        other is null || Sequence > other.Sequence || (Sequence == other.Sequence && Part > other.Part);
}
