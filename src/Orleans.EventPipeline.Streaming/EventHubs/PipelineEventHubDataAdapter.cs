using System.Text;
using Azure.Messaging.EventHubs;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Streaming.Quarantine;
using Orleans.EventPipeline.Streams;
using Orleans.Providers.Streams.Common;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Writes the pipeline's batches as open Event Hubs messages (docs/STREAM-FORMAT.md) instead of
/// Orleans' internal serialization, so Stream Analytics, Capture or Kafka clients can read a tenant's
/// events. Any other stream item type (users' own streams) keeps Orleans' default encoding.
/// Reading, it never throws on a message: one it cannot decode (another client's, or corrupt) goes,
/// whole, to the quarantine stream of its partition (<see cref="QuarantinedMessage"/>) and the
/// partition moves on.
/// </summary>
public sealed class PipelineEventHubDataAdapter(Orleans.Serialization.Serializer serializer, HubPartitions partitions, ILogger<PipelineEventHubDataAdapter> logger, TimeProvider? timeProvider = null)
    : EventHubDataAdapter(serializer)
{
    private static readonly byte[] QuarantineNamespace = Encoding.UTF8.GetBytes(QuarantinedMessage.Namespace);

    private readonly MessageInspector _inspector = new(serializer);
    private readonly QuarantineLog _quarantined = new(logger, timeProvider ?? TimeProvider.System);

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

    /// <summary>Where a message read from <paramref name="partition"/> is delivered: its own stream, or the partition's quarantine.</summary>
    public override StreamPosition GetStreamPosition(string partition, EventData queueMessage)
    {
        ArgumentNullException.ThrowIfNull(queueMessage);
        var token = new EventHubSequenceTokenV2(queueMessage.OffsetString, queueMessage.SequenceNumber, 0);
        var reason = Inspect(partition, queueMessage, out var streamId);
        if (reason is null)
        {
            return new StreamPosition(streamId, token);
        }

        _quarantined.Quarantined(partition, queueMessage.SequenceNumber, queueMessage.OffsetString, queueMessage.Body.Length, reason);
        return new StreamPosition(StreamId.Create(QuarantinedMessage.Namespace, partition), token);
    }

    /// <summary>Why a message read from <paramref name="partition"/> cannot be delivered to its stream; null when it can.</summary>
    private string? Inspect(string partition, EventData queueMessage, out StreamId streamId)
    {
        var reason = _inspector.Inspect(queueMessage, out streamId);
        if (reason is null && queueMessage.PartitionKey is { } key && partitions.PartitionOf(key) is { } home && home != partition)
        {
            // Positions are per partition: the same stream key read from two partitions would compare
            // sequence numbers of different logs. Only a client choosing the partition itself puts it here.
            reason = $"its partition key \"{key}\" belongs to partition {home}, but it was written to partition {partition}";
        }

        return reason;
    }

    /// <summary>The stream of a message with no partition known (Orleans itself asks <see cref="GetStreamPosition"/>); never throws.</summary>
    public override StreamId GetStreamIdentity(EventData queueMessage)
    {
        ArgumentNullException.ThrowIfNull(queueMessage);
        return _inspector.Inspect(queueMessage, out var streamId) is null ? streamId : StreamId.Create(QuarantinedMessage.Namespace, string.Empty);
    }

    public override CachedMessage FromQueueMessage(StreamPosition streamPosition, EventData queueMessage, DateTime dequeueTime, Func<int, ArraySegment<byte>> getSegment)
    {
        ArgumentNullException.ThrowIfNull(streamPosition);
        ArgumentNullException.ThrowIfNull(queueMessage);
        if (!IsQuarantine(streamPosition.StreamId))
        {
            return base.FromQueueMessage(streamPosition, queueMessage, dequeueTime, getSegment);
        }

        // Inspected again for its reason: only quarantined messages, which are rare, pay twice.
        var reason = Inspect(streamPosition.StreamId.GetKeyAsString(), queueMessage, out _) ?? "it claims the quarantine stream";
        return new CachedMessage
        {
            StreamId = streamPosition.StreamId,
            SequenceNumber = queueMessage.SequenceNumber,
            EventIndex = 0,
            EnqueueTimeUtc = queueMessage.EnqueuedTime.UtcDateTime,
            DequeueTimeUtc = dequeueTime,
            Segment = QuarantineSegment.Encode(queueMessage, reason, getSegment),
        };
    }

    public override IBatchContainer GetBatchContainer(ref CachedMessage cachedMessage)
    {
        var streamId = cachedMessage.StreamId;
        if (IsQuarantine(streamId))
        {
            var quarantined = QuarantineSegment.Decode(cachedMessage, streamId.GetKeyAsString());
            return new PipelineBatchContainer(streamId, new EventHubSequenceTokenV2(quarantined.Offset, quarantined.SequenceNumber, 0), quarantined);
        }

        return base.GetBatchContainer(ref cachedMessage);
    }

    protected override IBatchContainer GetBatchContainer(EventHubMessage eventHubMessage)
    {
        ArgumentNullException.ThrowIfNull(eventHubMessage);
        if (!eventHubMessage.Properties.TryGetValue(StreamMessageFormat.FormatProperty, out var format))
        {
            return base.GetBatchContainer(eventHubMessage);
        }

        // GetStreamPosition decoded these same bytes with these same codecs when the message was read:
        // a message reaching here decodes.
        var token = new EventHubSequenceTokenV2(eventHubMessage.Offset, eventHubMessage.SequenceNumber, 0);
        object item = (string)format switch
        {
            StreamMessageFormat.RawFormat => RawBatchCodec.FromMessage(eventHubMessage.Properties, eventHubMessage.Payload),
            StreamMessageFormat.DeadLetterFormat => DeadLetterCodec.FromMessage(eventHubMessage.Properties, eventHubMessage.Payload),
            var unknown => throw new InvalidDataException($"Event Hubs message at offset {eventHubMessage.Offset} has unknown {StreamMessageFormat.FormatProperty} '{unknown}' but was not quarantined when read."),
        };
        return new PipelineBatchContainer(eventHubMessage.StreamId, token, item);
    }

    private static bool IsQuarantine(StreamId streamId) => streamId.Namespace.Span.SequenceEqual(QuarantineNamespace);
}
