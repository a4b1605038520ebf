using Orleans.EventPipeline.Streaming.Caching;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Orleans' Event Hubs partition receiver, with two changes:
/// <list type="bullet">
/// <item>A read cancelled because the pulling agent stops returns no messages instead of throwing. The agent's
/// retry filter logs whatever a read throws as an error ("Exception while retrying the 0th time reading from
/// queue") before it looks at the token, so the cancelled read of each partition was one error on every graceful
/// stop: 4 with the local hub. Any other failure, and a cancellation nobody asked for, still reaches the agent.</item>
/// <item>Each read tells the partition's <see cref="PurgeGuard"/> what it returned, and carries the wake-ups of
/// streams whose caught-up cursor the agent left waiting for a message read earlier (<see cref="PurgeGuard.TakeWakes"/>).</item>
/// </list>
/// </summary>
internal sealed class GuardedReceiver(IQueueAdapterReceiver inner, PurgeGuard guard) : IQueueAdapterReceiver
{
    public Task Initialize(TimeSpan timeout) => inner.Initialize(timeout, CancellationToken.None);

    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken) => inner.Initialize(timeout, cancellationToken);

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        if (guard.IsHeld)
        {
            // The cache asked for this read only for the wake-ups (TrackingQueueCache.GetMaxAddCount): nothing new is read.
            return guard.TakeWakes() is { } due ? due : [];
        }

        IList<IBatchContainer> messages;
        try
        {
            messages = await inner.GetQueueMessagesAsync(maxCount, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return [];
        }

        guard.Read(messages);
        messages = guard.Hide(messages);
        if (guard.TakeWakes() is not { } wakes)
        {
            return messages;
        }

        // The agent wakes each stream at its first entry in the read: the wake-up goes after the stream's messages.
        wakes.InsertRange(0, messages);
        return wakes;
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => inner.MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => inner.MessagesDeliveredAsync(messages, cancellationToken);

    public Task Shutdown(TimeSpan timeout) => inner.Shutdown(timeout, CancellationToken.None);

    public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => inner.Shutdown(timeout, cancellationToken);
}
