using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Streaming.Derived;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Events on their way to a derived stream, in the parts <see cref="NormalizedBatchPublisher"/> cuts, with
/// the count already out: a publish that failed part way (a derived queue with no room) and is retried
/// sends only the parts not yet published, so no event goes out twice and none is left behind.
/// </summary>
internal sealed class PendingPublication
{
    private readonly List<NormalizedEvent> _events = [];
    private int _published;

    /// <summary>Events not published yet.</summary>
    public int Count => _events.Count - _published;

    /// <summary>
    /// Estimated bytes of the events not published yet (<see cref="NormalizedBatchPublisher.EstimatedBytes"/>),
    /// counted when asked: nothing is left after a publish that went through, the common case.
    /// </summary>
    public long Bytes
    {
        get
        {
            long bytes = 0;
            for (var i = _published; i < _events.Count; i++)
            {
                bytes += NormalizedBatchPublisher.EstimatedBytes(_events[i]);
            }

            return bytes;
        }
    }

    public void Add(List<NormalizedEvent> events) => _events.AddRange(events);

    /// <summary>
    /// Publishes what is left, part by part; on a failure the parts before it count as published. A single
    /// event too large for any stream message is passed to <paramref name="tooLarge"/> and left out, so it
    /// cannot hold back every event after it.
    /// </summary>
    public async Task PublishAsync(IAsyncStream<NormalizedEventBatch> stream, string tenantId, string streamKey, Action<NormalizedEvent, Exception> tooLarge)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tooLarge);
        if (Count == 0)
        {
            return;
        }

        IReadOnlyList<NormalizedEvent> rest = _published == 0 ? _events : _events.GetRange(_published, Count);
        foreach (var part in NormalizedBatchPublisher.Split(rest, NormalizedBatchPublisher.MaxPartBytes))
        {
            try
            {
                await stream.OnNextAsync(new NormalizedEventBatch(tenantId, streamKey, part));
            }
            catch (DerivedMessageTooLargeException exception) when (part.Count == 1)
            {
                tooLarge(part[0], exception);
            }

            _published += part.Count;
        }

        _events.Clear();
        _published = 0;
    }
}
