using Orleans.Streams;
using Orleans.Streams.Core;

namespace Orleans.EventPipeline.Tests.Streaming;

public interface IImplicitSubscriberGrain : IGrainWithStringKey;

/// <summary>Receives every event of the "checkpoint-test" namespace through an implicit subscription.</summary>
[ImplicitStreamSubscription(EventHubStreamsTests.Namespace)]
public sealed class ImplicitSubscriberGrain : Grain, IImplicitSubscriberGrain, IStreamSubscriptionObserver
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        var run = this.GetPrimaryKeyString();
        await handleFactory.Create<string>().ResumeAsync((item, _) =>
        {
            ReceivedEvents.Add(run, item);
            return Task.CompletedTask;
        });
    }
}
