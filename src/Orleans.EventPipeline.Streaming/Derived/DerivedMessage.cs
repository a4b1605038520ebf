using Orleans.Runtime;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// One published item of a derived stream, serialized once by the publishing silo; immutable, so a
/// queue or agent on the same silo passes the same bytes on without copying them.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class DerivedMessage(StreamId streamId, byte[] payload, long sequenceNumber, DateTime enqueueTimeUtc)
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    /// <summary>The item and its request context, as Orleans' <c>MemoryMessageBody</c> serialized.</summary>
    [Id(1)] public byte[] Payload { get; } = payload;

    /// <summary>Position in its queue, given by the queue; 0 until it is enqueued.</summary>
    [Id(2)] public long SequenceNumber { get; } = sequenceNumber;

    [Id(3)] public DateTime EnqueueTimeUtc { get; } = enqueueTimeUtc;

    public DerivedMessage Enqueued(long sequenceNumber, DateTime enqueueTimeUtc) => new(StreamId, Payload, sequenceNumber, enqueueTimeUtc);
}
