using System.Diagnostics;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// The processing grains' spans, on the activity source <see cref="SourceName"/>: one per raw batch a
/// processor takes, linked to the ingest request's trace that wrote it (<see cref="RawEventBatch.TraceParent"/>).
/// </summary>
public static class ProcessingActivities
{
    public const string SourceName = "Orleans.EventPipeline.Grains.Processing";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts the span of one raw batch, or returns null when nothing listens (no allocation then).</summary>
    internal static Activity? StartRawBatch(string streamKey, RawEventBatch batch, long sequence)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityLink[]? links = ActivityContext.TryParse(batch.TraceParent, traceState: null, out var ingest) ? [new ActivityLink(ingest)] : null;
        var activity = Source.StartActivity("process raw batch", ActivityKind.Consumer, parentContext: default, links: links);
        activity?.SetTag("eventpipeline.stream_key", streamKey);
        activity?.SetTag("eventpipeline.batch_id", batch.BatchId.ToString("N"));
        activity?.SetTag("eventpipeline.raw_sequence", sequence);
        activity?.SetTag("eventpipeline.events", batch.Count);
        return activity;
    }
}
