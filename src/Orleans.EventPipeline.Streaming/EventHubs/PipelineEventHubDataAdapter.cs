using Azure.Messaging.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Providers.Streams.Common;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Writes the pipeline's batches as open Event Hubs messages (docs/STREAM-FORMAT.md) instead of
/// Orleans' internal serialization, so Stream Analytics, Capture or Kafka clients can read a tenant's
/// events. Any other stream item type (users' own streams) keeps Orleans' default encoding.
/// </summary>
public sealed class PipelineEventHubDataAdapter(Orleans.Serialization.Serializer serializer) : EventHubDataAdapter(serializer)
{
    public override EventData ToQueueMessage<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        ArgumentNullException.ThrowIfNull(events);
        var items = events as IReadOnlyList<T> ?? events.ToList();
        if (token is null && items.Count == 1)
        {
            switch (items[0])
            {
                case RawEventBatch raw:
                    return RawBatchCodec.ToEventData(raw, streamId.GetNamespace());
                case DeadLetterBatch deadLetters:
                    return DeadLetterCodec.ToEventData(deadLetters, streamId.GetNamespace());
            }
        }

        return base.ToQueueMessage(streamId, items, token, requestContext);
    }

    protected override IBatchContainer GetBatchContainer(EventHubMessage eventHubMessage)
    {
        ArgumentNullException.ThrowIfNull(eventHubMessage);
        if (!eventHubMessage.Properties.TryGetValue(StreamMessageFormat.FormatProperty, out var format))
        {
            return base.GetBatchContainer(eventHubMessage);
        }

        var token = new EventHubSequenceTokenV2(eventHubMessage.Offset, eventHubMessage.SequenceNumber, 0);
        object item = (string)format switch
        {
            StreamMessageFormat.RawFormat => RawBatchCodec.FromMessage(eventHubMessage.Properties, eventHubMessage.Payload),
            StreamMessageFormat.DeadLetterFormat => DeadLetterCodec.FromMessage(eventHubMessage.Properties, eventHubMessage.Payload),
            var unknown => throw new InvalidDataException($"Event Hubs message at offset {eventHubMessage.Offset} has unknown {StreamMessageFormat.FormatProperty} '{unknown}'."),
        };
        return new PipelineBatchContainer(eventHubMessage.StreamId, token, item);
    }
}
