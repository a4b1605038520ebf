using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Orleans' Event Hubs partition receiver, except that a read cancelled because the pulling agent stops
/// returns no messages instead of throwing. The agent's retry filter logs whatever a read throws as an
/// error ("Exception while retrying the 0th time reading from queue") before it looks at the token, so
/// the cancelled read of each partition was one error on every graceful stop: 4 with the local hub.
/// Any other failure, and a cancellation nobody asked for, still reaches the agent.
/// </summary>
internal sealed class StopAwareReceiver(IQueueAdapterReceiver inner) : IQueueAdapterReceiver
{
    public Task Initialize(TimeSpan timeout) => inner.Initialize(timeout, CancellationToken.None);

    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken) => inner.Initialize(timeout, cancellationToken);

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.GetQueueMessagesAsync(maxCount, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return [];
        }
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => inner.MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => inner.MessagesDeliveredAsync(messages, cancellationToken);

    public Task Shutdown(TimeSpan timeout) => inner.Shutdown(timeout, CancellationToken.None);

    public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => inner.Shutdown(timeout, cancellationToken);
}
