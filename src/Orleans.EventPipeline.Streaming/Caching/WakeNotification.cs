using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// What a partition's receiver adds to a read to wake a stream's cursors (<see cref="PurgeGuard.TakeWakes"/>):
/// the pulling agent starts the stream's waiting cursors as for a message read, at <see cref="SequenceToken"/>.
/// The Event Hubs receiver caches what it reads itself and adds nothing the agent hands back, so this carries no
/// events and reaches no subscriber.
/// </summary>
internal sealed class WakeNotification(StreamId streamId, StreamSequenceToken first) : IBatchContainer
{
    public StreamId StreamId { get; } = streamId;

    public StreamSequenceToken SequenceToken { get; } = first;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() => [];

    public bool ImportRequestContext() => false;
}
