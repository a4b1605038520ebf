using Azure.Messaging.EventHubs;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>Writes and reads <see cref="RawEventBatch"/> as one Event Hubs message; the body is the frames, untouched.</summary>
public static class RawBatchCodec
{
    public static EventData ToEventData(RawEventBatch batch, string? streamNamespace)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var data = new EventData(batch.Frames);
        data.Properties[StreamMessageFormat.StreamNamespaceProperty] = streamNamespace!;
        data.Properties[StreamMessageFormat.FormatProperty] = StreamMessageFormat.RawFormat;
        data.Properties[StreamMessageFormat.TenantProperty] = batch.TenantId;
        data.Properties[StreamMessageFormat.BatchProperty] = batch.BatchId.ToString("N");
        data.Properties[StreamMessageFormat.IngestTimeProperty] = batch.IngestTime.ToUnixTimeMilliseconds();
        data.Properties[StreamMessageFormat.KindProperty] = batch.Kind == EventKind.Text ? "text" : "json";
        data.Properties[StreamMessageFormat.FirstIndexProperty] = batch.FirstIndex;
        data.Properties[StreamMessageFormat.CountProperty] = batch.Count;
        if (batch.Keyed)
        {
            data.Properties[StreamMessageFormat.KeyedProperty] = true;
        }

        if (batch.UncertainSince is { } since)
        {
            data.Properties[StreamMessageFormat.UncertainSinceProperty] = since.ToUnixTimeMilliseconds();
        }

        if (batch.TraceParent is { } traceParent)
        {
            data.Properties[StreamMessageFormat.TraceParentProperty] = traceParent;
        }

        if (batch.DataGeneration is { } generation)
        {
            data.Properties[StreamMessageFormat.DataGenerationProperty] = generation.ToString("N");
        }

        return data;
    }

    /// <summary>Rebuilds the batch from a message's properties and body; the body is not copied.</summary>
    public static RawEventBatch FromMessage(IDictionary<string, object> properties, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var kind = (string)properties[StreamMessageFormat.KindProperty] == "text" ? EventKind.Text : EventKind.Json;
        return new RawEventBatch(
            (string)properties[StreamMessageFormat.TenantProperty],
            Guid.ParseExact((string)properties[StreamMessageFormat.BatchProperty], "N"),
            DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(properties[StreamMessageFormat.IngestTimeProperty], System.Globalization.CultureInfo.InvariantCulture)),
            kind,
            Convert.ToInt32(properties[StreamMessageFormat.FirstIndexProperty], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt32(properties[StreamMessageFormat.CountProperty], System.Globalization.CultureInfo.InvariantCulture),
            body)
        {
            Keyed = properties.TryGetValue(StreamMessageFormat.KeyedProperty, out var keyed) && keyed is true,
            UncertainSince = properties.TryGetValue(StreamMessageFormat.UncertainSinceProperty, out var since)
                ? DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(since, System.Globalization.CultureInfo.InvariantCulture))
                : null,
            TraceParent = properties.TryGetValue(StreamMessageFormat.TraceParentProperty, out var traceParent) ? traceParent as string : null,
            DataGeneration = StreamMessageFormat.ReadDataGeneration(properties),
        };
    }
}
