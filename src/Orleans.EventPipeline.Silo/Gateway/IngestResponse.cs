using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>The 200 body: what was stored, what was rejected and why.</summary>
/// <param name="FirstEventId">Id of the first accepted event; event n has the same prefix with ":n".</param>
public sealed record IngestResponse(
    int Accepted,
    IReadOnlyList<RejectedEvent> Rejected,
    string BatchId,
    string? FirstEventId,
    bool Replayed)
{
    public static IngestResponse From(IngestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new IngestResponse(
            result.Accepted,
            result.Rejected,
            result.BatchId.ToString("N"),
            result.Accepted > 0 ? RawEventBatch.FormatEventId(result.BatchId, 0) : null,
            result.Replayed);
    }
}
