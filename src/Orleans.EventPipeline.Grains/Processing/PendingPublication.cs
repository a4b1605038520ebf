using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Ordering;
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
    private readonly ReleasedEvents _events = new();
    private int _published;

    /// <summary>Events not published yet.</summary>
    public int Count => _events.Count - _published;

    /// <summary>
    /// What the events not published yet keep resident, counted as the reorder buffer counts what it holds
    /// (<see cref="ReleasedEvents.ResidentBytes"/>), so an event's share of the order stage's budget does not shrink
    /// when the buffer releases it to here. An array whose other events the buffer still holds counts in both until
    /// they leave it. Counted when asked: nothing is left after a publish that went through, the common case.
    /// </summary>
    public long Bytes => _events.ResidentBytes(_published, NormalizedBatchPublisher.EstimatedBytes);

    public void Add(ReleasedEvents events) => _events.AddRange(events);

    /// <summary>
    /// Publishes what is left, part by part; on a failure the parts before it count as published. An event
    /// that no stream message can carry — too large even alone, or one the serializer refuses — is passed to
    /// <paramref name="leftOut"/> and left out, so it cannot hold back every event after it.
    /// </summary>
    public async Task PublishAsync(IAsyncStream<NormalizedEventBatch> stream, string tenantId, string streamKey, Action<NormalizedEvent, Exception> leftOut)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(leftOut);
        while (Count > 0 && !await PublishPartsAsync(stream, tenantId, streamKey, leftOut))
        {
        }

        _events.Clear();
        _published = 0;
    }

    /// <summary>False when an event the serializer refused was taken out: nothing of its part went out, so the rest is cut again.</summary>
    private async Task<bool> PublishPartsAsync(IAsyncStream<NormalizedEventBatch> stream, string tenantId, string streamKey, Action<NormalizedEvent, Exception> leftOut)
    {
        foreach (var part in NormalizedBatchPublisher.Split(_events, _published, NormalizedBatchPublisher.MaxPartBytes))
        {
            try
            {
                await stream.OnNextAsync(new NormalizedEventBatch(tenantId, streamKey, part));
            }
            catch (DerivedMessageTooLargeException exception) when (part.Count == 1)
            {
                leftOut(part[0], exception);
            }
            catch (UnserializableEventException exception) when (exception.Index < part.Count)
            {
                // Held parsed, so reading it here costs nothing and cannot fail.
                leftOut(part[exception.Index], exception);
                _events.RemoveAt(_published + exception.Index);
                return false;
            }

            _published += part.Count;
        }

        return true;
    }
}
