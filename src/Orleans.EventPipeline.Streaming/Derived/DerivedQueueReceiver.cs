using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>Reads one derived queue for its silo's pulling agent, as much at a time as the agent's cache takes.</summary>
internal sealed class DerivedQueueReceiver(IDerivedQueueGrain queue) : IQueueAdapterReceiver
{
    private readonly Guid _id = Guid.NewGuid();
    private Task? _reading;

    public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        var reading = queue.Dequeue(maxCount, _id);
        _reading = reading;
        var messages = await reading;
        var batches = new List<IBatchContainer>(messages.Count);
        foreach (var message in messages)
        {
            batches.Add(new DequeuedMessage(message));
        }

        return batches;
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

    /// <summary>
    /// Ends a waiting read empty, then waits up to <paramref name="timeout"/> for it, as Orleans' own receivers do before
    /// their agent stops. The agent has let its cache go by now and drops what a read brings: a read left waiting would
    /// take messages published after the stop, which stay in the queue for the next owner instead.
    /// </summary>
    public async Task Shutdown(TimeSpan timeout)
    {
        if (_reading is { } reading)
        {
            await queue.StopReading(_id).WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await reading.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
