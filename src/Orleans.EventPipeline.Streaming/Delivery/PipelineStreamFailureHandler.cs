using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Delivery;

/// <summary>
/// Orleans calls this when a pulling agent stops trying to deliver a message or to set up a subscription.
/// With delivery retried without a time limit (<see cref="Hosting.PipelineStreamsExtensions"/>), that means
/// the agent is stopping (shutdown, its partition moved to another silo), the consumer is gone, or its cache
/// cursor failed and is rebuilt from the last delivered position: never a message given up while the agent
/// runs. Each call is an error in the log. Subscriptions are never faulted: a faulted subscription
/// receives nothing more, which would lose every later event of its stream.
/// </summary>
public sealed partial class PipelineStreamFailureHandler(ILogger<PipelineStreamFailureHandler> logger) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogDeliveryFailure(logger, streamProviderName, streamIdentity, sequenceToken, subscriptionId);
        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogSubscriptionFailure(logger, streamProviderName, streamIdentity, sequenceToken, subscriptionId);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery on {Provider} stream {StreamId} at {Token} to subscription {SubscriptionId} stopped: the pulling agent is stopping or lost its consumer, or its cache cursor failed and resumes from the last delivered position; the message was not acknowledged by the subscriber")]
    private static partial void LogDeliveryFailure(ILogger logger, string provider, StreamId streamId, StreamSequenceToken? token, GuidId subscriptionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Subscription {SubscriptionId} on {Provider} stream {StreamId} could not be set up at {Token}; the pulling agent starts it from the cache's position instead")]
    private static partial void LogSubscriptionFailure(ILogger logger, string provider, StreamId streamId, StreamSequenceToken? token, GuidId subscriptionId);
}
