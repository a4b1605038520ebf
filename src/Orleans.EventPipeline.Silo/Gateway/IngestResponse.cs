using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>The 200 body: what was stored, what was rejected and why.</summary>
/// <param name="BatchId">Written as 32 hex digits (<see cref="ApiJson"/>), the prefix of its events' ids.</param>
/// <param name="FirstEventId">Id of the first accepted event; event n has the same prefix with ":n".</param>
public sealed record IngestResponse(
    int Accepted,
    IReadOnlyList<RejectedEvent> Rejected,
    Guid BatchId,
    string? FirstEventId,
    bool Replayed)
{
    public static IngestResponse From(IngestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new IngestResponse(
            result.Accepted,
            result.Rejected,
            result.BatchId,
            result.Accepted > 0 ? RawEventBatch.FormatEventId(result.BatchId, 0) : null,
            result.Replayed);
    }
}
