using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>Delivers one decoded pipeline message (a raw or dead-letter batch, or a quarantined message) to stream consumers.</summary>
[GenerateSerializer, Immutable]
public sealed class PipelineBatchContainer(StreamId streamId, StreamSequenceToken sequenceToken, object item) : IBatchContainer
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    [Id(1)] public StreamSequenceToken SequenceToken { get; } = sequenceToken;

    [Id(2)] public object Item { get; } = item;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        if (Item is T typed)
        {
            yield return Tuple.Create(typed, SequenceToken);
        }
    }

    public bool ImportRequestContext() => false;
}
