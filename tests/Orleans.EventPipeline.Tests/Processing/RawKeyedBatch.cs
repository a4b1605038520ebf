using System.Buffers.Binary;
using System.Text;
using Azure.Messaging.EventHubs;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The raw message an ingest shard writes for a keyed batch, marked as a retry (<c>ep-uncertain-since-ms</c>) or not:
/// what two activations of one shard write when a paused silo's first attempt lands after the retry the new one sent.
/// </summary>
internal static class RawKeyedBatch
{
    public static EventData Create(string tenant, Guid batchId, DateTimeOffset started, int events, bool marked)
    {
        var frames = new MemoryStream();
        for (var i = 0; i < events; i++)
        {
            var payload = Encoding.UTF8.GetBytes($$"""{"message":"keyed event {{i}}","n":{{i}}}""");
            var length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, payload.Length);
            frames.Write(length);
            frames.Write(payload);
        }

        var batch = new RawEventBatch(tenant, batchId, started, EventKind.Json, 0, events, frames.ToArray())
        {
            Keyed = true,
            UncertainSince = marked ? started : null,
        };
        return RawBatchCodec.ToEventData(batch, PipelineStreams.Raw);
    }
}
