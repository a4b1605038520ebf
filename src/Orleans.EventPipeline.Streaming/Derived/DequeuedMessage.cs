using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// A message as the receiver took it from its queue, on its way into the cache: the pulling agent reads
/// only its stream and position before adding it to the cache, and subscribers get a
/// <see cref="DerivedBatchContainer"/> from the cache instead.
/// </summary>
internal sealed class DequeuedMessage(DerivedMessage message) : IBatchContainer
{
    public DerivedMessage Message { get; } = message;

    public StreamId StreamId => Message.StreamId;

    public StreamSequenceToken SequenceToken { get; } = new EventSequenceTokenV2(message.SequenceNumber);

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        throw new InvalidOperationException($"Message {Message.SequenceNumber} of {StreamId} is read through the derived cache, not from the receiver.");

    public bool ImportRequestContext() => false;
}
