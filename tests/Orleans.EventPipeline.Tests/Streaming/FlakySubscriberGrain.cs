using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.EventPipeline.Tests.Streaming;

public interface IFlakySubscriberGrain : IGrainWithStringKey;

/// <summary>
/// Receives the "delivery-retry-test" namespace; its handler throws on the item "fail" until that item has
/// been failing for <see cref="DeliveryRetryTests.FailFor"/>, like a processor whose archive store is down.
/// </summary>
[ImplicitStreamSubscription(DeliveryRetryTests.Namespace)]
public sealed class FlakySubscriberGrain : Grain, IFlakySubscriberGrain, IStreamSubscriptionObserver
{
    private static readonly ConcurrentDictionary<string, long> FirstFailure = new();
    private static readonly ConcurrentDictionary<string, int> Failures = new();

    public static int FailuresOf(string run) => Failures.GetValueOrDefault(run);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        var run = this.GetPrimaryKeyString();
        await handleFactory.Create<string>().ResumeAsync((item, _) =>
        {
            if (item == DeliveryRetryTests.FailingItem && Stopwatch.GetElapsedTime(FirstFailure.GetOrAdd(run, static _ => Stopwatch.GetTimestamp())) < DeliveryRetryTests.FailFor)
            {
                Failures.AddOrUpdate(run, 1, static (_, count) => count + 1);
                throw new InvalidOperationException($"Delivery of '{item}' fails for {DeliveryRetryTests.FailFor}.");
            }

            ReceivedEvents.Add(run, item);
            return Task.CompletedTask;
        });
    }
}
