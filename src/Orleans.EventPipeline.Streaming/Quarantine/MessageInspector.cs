using System.Globalization;
using Azure.Messaging.EventHubs;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streaming.EventHubs;

namespace Orleans.EventPipeline.Streaming.Quarantine;

/// <summary>
/// Decides, when a message is read from the hub, whether the pipeline can deliver it: it decodes the
/// message exactly as delivery will (our codecs, or Orleans' own encoding for users' streams) and checks
/// that it fits the receiver cache. A message that fails any check is quarantined with the reason; one
/// that passes cannot fail later, since delivery runs the same decoding on the same bytes.
/// </summary>
internal sealed class MessageInspector(Serializer serializer)
{
    /// <summary>Null when the message is deliverable on <paramref name="streamId"/>; otherwise why not.</summary>
    public string? Inspect(EventData message, out StreamId streamId)
    {
        streamId = default;
        try
        {
            var properties = message.Properties;
            var streamNamespace = properties.TryGetValue(StreamMessageFormat.StreamNamespaceProperty, out var ns) ? ns as string : null;
            var reason = properties.TryGetValue(StreamMessageFormat.FormatProperty, out var format)
                ? InspectPipelineMessage(message, format, streamNamespace)
                : InspectOrleansMessage(message, streamNamespace);
            if (reason is not null)
            {
                return reason;
            }

            reason = InspectCacheFit(message);
            if (reason is not null)
            {
                return reason;
            }

            streamId = StreamId.Create(streamNamespace!, message.PartitionKey);
            return null;
        }
        catch (Exception exception)
        {
            // Whatever a message holds, the answer is a reason, never an exception out of the receiver.
            return $"it could not be inspected: {exception.GetType().Name}: {exception.Message}";
        }
    }

    private static string? InspectPipelineMessage(EventData message, object? format, string? streamNamespace)
    {
        switch (format)
        {
            case StreamMessageFormat.RawFormat:
                return InspectRaw(message, streamNamespace);
            case StreamMessageFormat.DeadLetterFormat:
                return InspectDeadLetters(message, streamNamespace);
            case string unknown:
                return $"{StreamMessageFormat.FormatProperty} '{Cut(unknown)}' is not a format of this pipeline";
            default:
                return $"{StreamMessageFormat.FormatProperty} is {Describe(format)}, not a string";
        }
    }

    private static string? InspectRaw(EventData message, string? streamNamespace)
    {
        if (streamNamespace != PipelineStreams.Raw)
        {
            return $"a {StreamMessageFormat.RawFormat} message on namespace '{Cut(streamNamespace)}' instead of '{PipelineStreams.Raw}'";
        }

        if (message.Properties.TryGetValue(StreamMessageFormat.KindProperty, out var kind) && kind is not ("json" or "text"))
        {
            return $"{StreamMessageFormat.KindProperty} is {Describe(kind)}, neither 'json' nor 'text'";
        }

        RawEventBatch batch;
        try
        {
            batch = RawBatchCodec.FromMessage(message.Properties, message.Body);
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidCastException or FormatException or OverflowException or ArgumentException)
        {
            return $"its raw-batch properties are missing or malformed: {exception.Message}";
        }

        var owner = InspectOwner(batch.TenantId, message.PartitionKey);
        if (owner is not null)
        {
            return owner;
        }

        if (batch.FirstIndex < 0)
        {
            return $"{StreamMessageFormat.FirstIndexProperty} is {batch.FirstIndex}";
        }

        if (!EventFrames.TryCount(message.Body.Span, out var count))
        {
            return "its body is not length-prefixed events: a length runs past the end";
        }

        return count == batch.Count ? null : $"its body holds {count} events but {StreamMessageFormat.CountProperty} says {batch.Count}";
    }

    private static string? InspectDeadLetters(EventData message, string? streamNamespace)
    {
        if (streamNamespace != PipelineStreams.DeadLetter)
        {
            return $"a {StreamMessageFormat.DeadLetterFormat} message on namespace '{Cut(streamNamespace)}' instead of '{PipelineStreams.DeadLetter}'";
        }

        DeadLetterBatch batch;
        try
        {
            batch = DeadLetterCodec.FromMessage(message.Properties, message.Body);
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidCastException or FormatException or OverflowException or ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return $"its dead-letter properties or lines are missing or malformed: {exception.Message}";
        }

        // Dead letters are keyed by the tenant id alone (docs/STREAM-FORMAT.md).
        return message.PartitionKey == batch.TenantId ? InspectOwner(batch.TenantId, message.PartitionKey)
            : $"its partition key '{Cut(message.PartitionKey)}' is not its tenant '{Cut(batch.TenantId)}'";
    }

    /// <summary>The tenant must be a valid id or the silos' warm-up tenant, and the partition key one of its stream keys (the processor keys by the stream).</summary>
    private static string? InspectOwner(string tenant, string? partitionKey)
    {
        if (!TenantId.IsValidOrWarmup(tenant))
        {
            return $"{StreamMessageFormat.TenantProperty} '{Cut(tenant)}' is not a tenant id";
        }

        if (partitionKey == tenant)
        {
            return null;
        }

        var shardOfTenant = partitionKey is not null && partitionKey.Length > tenant.Length + 1 &&
            partitionKey.StartsWith(tenant, StringComparison.Ordinal) && partitionKey[tenant.Length] == '#' &&
            int.TryParse(partitionKey.AsSpan(tenant.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var shard) && shard > 0 &&
            partitionKey == StreamKeys.ForShard(tenant, shard);
        return shardOfTenant ? null : $"its partition key '{Cut(partitionKey)}' is not a stream key of tenant '{tenant}'";
    }

    /// <summary>Users' streams in Orleans' own encoding: decoded here exactly as Orleans will decode them for delivery.</summary>
    private string? InspectOrleansMessage(EventData message, string? streamNamespace)
    {
        if (string.IsNullOrEmpty(streamNamespace))
        {
            return message.Properties.TryGetValue(StreamMessageFormat.StreamNamespaceProperty, out var value)
                ? $"{StreamMessageFormat.StreamNamespaceProperty} is {(value is string ? "empty" : Describe(value))}, not a stream namespace"
                : $"it has neither {StreamMessageFormat.FormatProperty} nor {StreamMessageFormat.StreamNamespaceProperty}: not written by this pipeline or by Orleans";
        }

        if (streamNamespace == QuarantinedMessage.Namespace)
        {
            return $"it claims the reserved namespace '{QuarantinedMessage.Namespace}'";
        }

        if (message.PartitionKey is null)
        {
            return "it has no partition key, which Orleans writes as the stream key";
        }

        // Orleans deserializes the body only when a subscriber reads it; a body that fails there would be
        // retried forever, so it is tried once here (users' streams are small: alerts, not tenant batches).
        try
        {
            var probe = new EventHubMessage(
                StreamId.Create(streamNamespace, message.PartitionKey),
                message.PartitionKey,
                message.OffsetString,
                message.SequenceNumber,
                message.EnqueuedTime.UtcDateTime,
                message.EnqueuedTime.UtcDateTime,
                message.Properties,
                message.Body.ToArray());
            foreach (var _ in new EventHubBatchContainer(probe, serializer).GetEvents<object>())
            {
            }

            return null;
        }
        catch (Exception exception)
        {
            return $"its body is not Orleans' stream encoding: {exception.GetType().Name}: {exception.Message}";
        }
    }

    /// <summary>
    /// Orleans caches a message as offset, partition key, properties (Orleans-serialized) and body in one
    /// 1 MiB block: properties it cannot serialize, or a message over a block, would throw in the receiver
    /// and lose the whole read. Serializing them here costs microseconds per message (a handful of small
    /// properties). The pipeline's own messages are kept outside the blocks (<c>CachedEventData</c>) and need
    /// neither; they are checked all the same, so that every message has one limit whichever way it is cached.
    /// </summary>
    private string? InspectCacheFit(EventData message)
    {
        byte[] properties;
        try
        {
            properties = message.SerializeProperties(serializer);
        }
        catch (Exception exception)
        {
            return $"its properties cannot be held by the receiver cache: {exception.GetType().Name}: {exception.Message}";
        }

        var size = SegmentBuilder.CalculateAppendSize(message.OffsetString) + SegmentBuilder.CalculateAppendSize(message.PartitionKey) +
            SegmentBuilder.CalculateAppendSize(properties) + SegmentBuilder.CalculateAppendSize(message.Body.Span);
        return size <= QuarantineSegment.CacheBlockBytes ? null
            : $"it takes {size} bytes in the receiver cache, over its {QuarantineSegment.CacheBlockBytes}-byte block";
    }

    private static string Describe(object? value) => value is null ? "null" : $"a {value.GetType().Name}";

    // Names from a foreign message go into a reason sentence: at most 100 characters of each.
    private static string Cut(string? value) => value is null ? "(none)" : value.Length <= 100 ? value : value[..100] + "...";
}
