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
    /// <summary>The events' bytes, unchanged.</summary>
    public EventFrames Events => new(Frames);

    /// <summary>The id of the event at <paramref name="position"/> within this batch.</summary>
    public string EventId(int position) => FormatEventId(BatchId, FirstIndex + position);

    public static string FormatEventId(Guid batchId, int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{batchId:N}:{index}");
}
