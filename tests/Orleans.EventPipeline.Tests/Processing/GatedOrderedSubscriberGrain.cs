using System.Collections.Concurrent;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Streaming;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Tests.Processing;

public interface IGatedOrderedSubscriberGrain : IGrainWithStringKey;

/// <summary>
/// A user's grain on <see cref="EventStreams.Ordered"/> that records each event's body under its stream key
/// (<see cref="ReceivedEvents"/>), a late one's under <see cref="LateOf"/> too; while its stream's gate is closed every delivery fails, like a detection
/// whose own store is down.
/// </summary>
[ImplicitStreamSubscription(EventStreams.Ordered)]
public sealed class GatedOrderedSubscriberGrain : Grain, IGatedOrderedSubscriberGrain
{
    private static readonly ConcurrentDictionary<string, bool> Closed = new();

    public static void Close(string streamKey) => Closed[streamKey] = true;

    public static void Open(string streamKey) => Closed[streamKey] = false;

    /// <summary>The run of <see cref="ReceivedEvents"/> that holds the bodies of the stream key's events flagged late.</summary>
    public static string LateOf(string streamKey) => streamKey + "#late";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        await this.GetStreamProvider(PipelineStreams.DerivedProviderName)
            .GetStream<NormalizedEventBatch>(StreamId.Create(EventStreams.Ordered, key))
            .SubscribeAsync((batch, _) =>
            {
                if (Closed.GetValueOrDefault(key))
                {
                    throw new InvalidOperationException($"Ordered stream {key} is closed: {batch.Events.Count} events not taken yet.");
                }

                foreach (var e in batch.Events)
                {
                    ReceivedEvents.Add(key, e.Body);
                    if (e.Late)
                    {
                        ReceivedEvents.Add(LateOf(key), e.Body);
                    }
                }

                return Task.CompletedTask;
            });
    }
}
