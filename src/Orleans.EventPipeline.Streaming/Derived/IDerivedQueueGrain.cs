namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>One queue of a derived stream provider, between its publishers and the silo whose pulling agent reads it.</summary>
public interface IDerivedQueueGrain : IGrainWithStringKey
{
    /// <summary>Appends <paramref name="message"/>; throws <see cref="DerivedQueueFullException"/> when the queue is at its budget.</summary>
    Task Enqueue(DerivedMessage message);

    /// <summary>Takes up to <paramref name="maxCount"/> messages, oldest first; from an empty queue, what comes within <see cref="DerivedStreamOptions.ReadWait"/>.</summary>
    Task<List<DerivedMessage>> Dequeue(int maxCount);
}
