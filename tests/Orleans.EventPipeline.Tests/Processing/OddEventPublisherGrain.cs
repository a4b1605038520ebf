using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Tests.Processing;

public interface IOddEventPublisherGrain : IGrainWithStringKey
{
    /// <summary>Publishes events 0 to <paramref name="count"/> - 1 as the order stage does; returns those left out, with why.</summary>
    Task<List<string>> PublishAsync(int count, int oddIndex);
}

/// <summary>
/// Publishes to <see cref="EventStreams.Ordered"/> through the order stage's <see cref="PendingPublication"/>: most
/// events held serialized, every third parsed, and one parsed event whose attributes the publisher can size but the serializer cannot write.
/// </summary>
public sealed class OddEventPublisherGrain(Serializer<NormalizedEvent> serializer) : Grain, IOddEventPublisherGrain
{
    private readonly PendingPublication _unpublished = new();

    public async Task<List<string>> PublishAsync(int count, int oddIndex)
    {
        var key = this.GetPrimaryKeyString();
        var stream = this.GetStreamProvider(PipelineStreams.DerivedProviderName).GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Ordered, key));
        var released = new ReleasedEvents();
        for (var i = 0; i < count; i++)
        {
            var e = Event(key, i);
            if (i == oddIndex)
            {
                released.Add(e with { Attributes = new OnceReadableAttributes() });
            }
            else if (i % 3 == 0)
            {
                released.Add(e);
            }
            else
            {
                released.AddSerialized(serializer.SerializeToArray(e), serializer);
            }
        }

        _unpublished.Add(released);
        var leftOut = new List<string>();
        await _unpublished.PublishAsync(stream, StreamKeys.TenantOf(key), key, (e, exception) => leftOut.Add($"{e.Body} {exception.GetType().Name}"));
        return leftOut;
    }

    public static string Body(int i) => $"odd-{i:D4}";

    private static NormalizedEvent Event(string key, int i) => new(
        StreamKeys.TenantOf(key),
        $"{Guid.Empty:N}:{i}",
        DateTimeOffset.UnixEpoch,
        null,
        DateTimeOffset.UnixEpoch,
        9,
        null,
        Body(i),
        new Dictionary<string, AttributeValue> { ["n"] = (long)i },
        new Dictionary<string, string>(),
        SourceFormat.Json);
}
