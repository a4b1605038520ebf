using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>A derived stream message as its subscribers receive it: the published items, deserialized once per delivery from the cache.</summary>
[GenerateSerializer, Immutable]
public sealed class DerivedBatchContainer(StreamId streamId, EventSequenceTokenV2 sequenceToken, List<object> events, Dictionary<string, object>? requestContext) : IBatchContainer
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    [Id(1)] private readonly EventSequenceTokenV2 _token = sequenceToken;

    [Id(2)] private readonly List<object> _events = events;

    [Id(3)] private readonly Dictionary<string, object>? _requestContext = requestContext;

    public StreamSequenceToken SequenceToken => _token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        for (var i = 0; i < _events.Count; i++)
        {
            if (_events[i] is T item)
            {
                yield return Tuple.Create<T, StreamSequenceToken>(item, _token.CreateSequenceTokenForEvent(i));
            }
        }
    }

    public bool ImportRequestContext()
    {
        if (_requestContext is null)
        {
            return false;
        }

        RequestContextExtensions.Import(_requestContext);
        return true;
    }
}
