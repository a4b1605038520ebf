using System.Text;
using Azure.Messaging.EventHubs;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Streaming.Caching;
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

    private readonly Orleans.Serialization.Serializer _serializer = serializer;
    private readonly MessageInspector _inspector = new(serializer);
    private readonly QuarantineLog _quarantined = new(logger, timeProvider ?? TimeProvider.System);

    // Set on the copy one partition's cache reads through (ForCache): where it keeps the pipeline's messages.
    private CachedEventData? _held;

    /// <summary>
    /// This adapter for one partition's receiver cache: the pipeline's own messages stay as the client read them, in
    /// <paramref name="held"/>, and the cache's entries hold only their offsets.
    /// </summary>
    internal PipelineEventHubDataAdapter ForCache(CachedEventData held) => new(_serializer, partitions, logger, timeProvider) { _held = held };

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
            if (_held is null || !IsKeptAsRead(queueMessage))
            {
                return base.FromQueueMessage(streamPosition, queueMessage, dequeueTime, getSegment);
            }

            // The offset stays in the entry, where Orleans reads it for the checkpoint after a purge (GetOffset). Held only
            // once the entry has its segment; a sequence number held already (never seen: a receiver reads on) is cached whole.
            var offset = getSegment(SegmentBuilder.CalculateAppendSize(queueMessage.OffsetString));
            if (!_held.TryAdd(queueMessage))
            {
                return base.FromQueueMessage(streamPosition, queueMessage, dequeueTime, getSegment);
            }

            var written = 0;
            SegmentBuilder.Append(offset, ref written, queueMessage.OffsetString);
            return new CachedMessage
            {
                StreamId = streamPosition.StreamId,
                SequenceNumber = queueMessage.SequenceNumber,
                EventIndex = streamPosition.SequenceToken.EventIndex,
                EnqueueTimeUtc = queueMessage.EnqueuedTime.UtcDateTime,
                DequeueTimeUtc = dequeueTime,
                Segment = offset,
            };
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

        if (_held is null)
        {
            return base.GetBatchContainer(ref cachedMessage);
        }

        if (_held.TryGet(cachedMessage.SequenceNumber, out var held))
        {
            return Decode(streamId, new EventHubSequenceTokenV2(held.OffsetString, held.SequenceNumber, 0), held.Properties, held.Body)
                ?? throw new InvalidDataException($"Event Hubs message {held.SequenceNumber} was held as the pipeline's own but has no {StreamMessageFormat.FormatProperty}.");
        }

        // An entry of the offset alone is a held message: only its purge or the cache's end lets it go, which removes the entry too.
        var read = 0;
        _ = SegmentBuilder.ReadNextString(cachedMessage.Segment, ref read);
        return read != cachedMessage.Segment.Count
            ? base.GetBatchContainer(ref cachedMessage)
            : throw new InvalidOperationException($"Event Hubs message {cachedMessage.SequenceNumber} of stream {streamId} is in the receiver cache without its body.");
    }

    protected override IBatchContainer GetBatchContainer(EventHubMessage eventHubMessage)
    {
        ArgumentNullException.ThrowIfNull(eventHubMessage);
        var token = new EventHubSequenceTokenV2(eventHubMessage.Offset, eventHubMessage.SequenceNumber, 0);
        return Decode(eventHubMessage.StreamId, token, eventHubMessage.Properties, eventHubMessage.Payload) ?? base.GetBatchContainer(eventHubMessage);
    }

    /// <summary>The pipeline's batch a message carries; null for a message without the pipeline's format (users' own streams).</summary>
    private static PipelineBatchContainer? Decode(StreamId streamId, EventHubSequenceTokenV2 token, IDictionary<string, object> properties, ReadOnlyMemory<byte> body)
    {
        if (!properties.TryGetValue(StreamMessageFormat.FormatProperty, out var format))
        {
            return null;
        }

        // GetStreamPosition decoded these same bytes with these same codecs when the message was read:
        // a message reaching here decodes.
        object item = (string)format switch
        {
            StreamMessageFormat.RawFormat => RawBatchCodec.FromMessage(properties, body),
            StreamMessageFormat.DeadLetterFormat => DeadLetterCodec.FromMessage(properties, body),
            var unknown => throw new InvalidDataException($"Event Hubs message at offset {token.EventHubOffset} has unknown {StreamMessageFormat.FormatProperty} '{unknown}' but was not quarantined when read."),
        };
        return new PipelineBatchContainer(streamId, token, item);
    }

    /// <summary>
    /// A raw or dead-letter batch the pipeline wrote (its format property says so), not a user's stream item, large enough
    /// that keeping it saves a large-object copy per delivery (<see cref="CachedEventData.MinBodyBytes"/>).
    /// </summary>
    private static bool IsKeptAsRead(EventData message) =>
        message.Body.Length >= CachedEventData.MinBodyBytes
        && message.Properties.TryGetValue(StreamMessageFormat.FormatProperty, out var format)
        && format is StreamMessageFormat.RawFormat or StreamMessageFormat.DeadLetterFormat;

    private static bool IsQuarantine(StreamId streamId) => streamId.Namespace.Span.SequenceEqual(QuarantineNamespace);
}
