namespace Orleans.EventPipeline.Streams;

/// <summary>
/// A message on the event hub that the pipeline could not decode at all — written by another client
/// (no <c>ep-format</c> and not Orleans' own encoding) or ours but corrupt — kept whole, as it was on
/// the hub, instead of stalling or skipping its partition (docs/STREAM-FORMAT.md, "Quarantine").
/// Delivered on <see cref="Namespace"/> of the <c>events</c> provider, keyed by partition.
/// </summary>
/// <param name="Partition">Event Hubs partition id.</param>
/// <param name="Offset">Event Hubs offset of the message in its partition.</param>
/// <param name="SequenceNumber">Event Hubs sequence number of the message in its partition.</param>
/// <param name="EnqueuedTime">When Event Hubs accepted the message.</param>
/// <param name="PartitionKey">The message's partition key, if it had one.</param>
/// <param name="Properties">Its application properties, each value rendered as text (binary as base64, times as ISO 8601).</param>
/// <param name="Reason">Why it could not be decoded.</param>
/// <param name="Size">Bytes of the message body on the hub.</param>
/// <param name="Body">The body's bytes; shorter than <paramref name="Size"/> only for a body over the receiver cache's 1 MiB block.</param>
[GenerateSerializer, Immutable]
public sealed record QuarantinedMessage(
    [property: Id(0)] string Partition,
    [property: Id(1)] string Offset,
    [property: Id(2)] long SequenceNumber,
    [property: Id(3)] DateTimeOffset EnqueuedTime,
    [property: Id(4)] string? PartitionKey,
    [property: Id(5)] IReadOnlyDictionary<string, string?> Properties,
    [property: Id(6)] string Reason,
    [property: Id(7)] int Size,
    [property: Id(8)] ReadOnlyMemory<byte> Body)
{
    /// <summary>Stream namespace of quarantined messages; the stream key is the partition id. Reserved: a message that claims it is quarantined itself.</summary>
    public const string Namespace = "hub-quarantine";

    /// <summary>True when <see cref="Body"/> holds only the first bytes of the message (read the rest from the hub by <see cref="SequenceNumber"/>).</summary>
    public bool Truncated => Body.Length < Size;
}
