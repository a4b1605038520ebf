using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Tests.Support;

/// <summary>Raw batches framed as the gateway frames them (docs/STREAM-FORMAT.md).</summary>
internal static class RawBatches
{
    public static RawEventBatch Create(string tenant, Guid batchId, EventKind kind, int firstIndex, params string[] events)
        => new(tenant, batchId, TestEvents.Ingest, kind, firstIndex, events.Length, GatewayFrames.Of(events));
}
