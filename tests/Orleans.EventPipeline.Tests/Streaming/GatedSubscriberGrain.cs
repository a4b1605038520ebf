using System.Collections.Concurrent;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.EventPipeline.Tests.Streaming;

public interface IGatedSubscriberGrain : IGrainWithStringKey;

/// <summary>
/// Receives the <see cref="SlowSubscriberCacheTests.Namespace"/> namespace; on a stream whose gate is
/// closed every delivery fails, like a processor whose archive store is down, until the gate opens.
/// </summary>
[ImplicitStreamSubscription(SlowSubscriberCacheTests.Namespace)]
public sealed class GatedSubscriberGrain : Grain, IGatedSubscriberGrain, IStreamSubscriptionObserver
{
    private static readonly ConcurrentDictionary<string, bool> Closed = new();

    public static void Close(string streamKey) => Closed[streamKey] = true;

    public static void Open(string streamKey) => Closed[streamKey] = false;

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        var key = this.GetPrimaryKeyString();
        await handleFactory.Create<string>().ResumeAsync((item, _) =>
        {
            if (Closed.GetValueOrDefault(key))
            {
                throw new InvalidOperationException($"Stream {key} is closed: '{item}' is not taken yet.");
            }

            ReceivedEvents.Add(key, item);
            return Task.CompletedTask;
        });
    }
}
