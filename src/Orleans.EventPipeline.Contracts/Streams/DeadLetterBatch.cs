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
    [property: Id(4)] IReadOnlyList<DeadLetter> Letters);
