using Orleans.EventPipeline.Events;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Events on their way to a derived stream, in the parts <see cref="NormalizedBatchPublisher"/> cuts, with
/// the count already out: a publish that failed part way (a derived queue at its budget) and is retried
/// sends only the parts not yet published, so no event goes out twice and none is left behind.
/// </summary>
internal sealed class PendingPublication
{
    private readonly List<NormalizedEvent> _events = [];
    private int _published;

    /// <summary>Events not published yet.</summary>
    public int Count => _events.Count - _published;

    public void Add(List<NormalizedEvent> events) => _events.AddRange(events);

    /// <summary>Publishes what is left, part by part; on a failure the parts before it count as published.</summary>
    public async Task PublishAsync(IAsyncStream<NormalizedEventBatch> stream, string tenantId, string streamKey)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (Count == 0)
        {
            return;
        }

        IReadOnlyList<NormalizedEvent> rest = _published == 0 ? _events : _events.GetRange(_published, Count);
        foreach (var part in NormalizedBatchPublisher.Split(rest, NormalizedBatchPublisher.MaxPartBytes))
        {
            await stream.OnNextAsync(new NormalizedEventBatch(tenantId, streamKey, part));
            _published += part.Count;
        }

        _events.Clear();
        _published = 0;
    }
}
