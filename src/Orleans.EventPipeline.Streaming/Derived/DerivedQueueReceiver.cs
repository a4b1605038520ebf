using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>Reads one derived queue for its silo's pulling agent, as much at a time as the agent's cache takes.</summary>
internal sealed class DerivedQueueReceiver(IDerivedQueueGrain queue) : IQueueAdapterReceiver
{
    private Task? _reading;

    public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        var reading = queue.Dequeue(maxCount);
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

    /// <summary>Waits up to <paramref name="timeout"/> for a read in flight, as Orleans' own receivers do before their agent stops.</summary>
    public async Task Shutdown(TimeSpan timeout)
    {
        if (_reading is { } reading)
        {
            await reading.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
