namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>One queue of a derived stream provider, between its publishers and the silo whose pulling agent reads it.</summary>
public interface IDerivedQueueGrain : IGrainWithStringKey
{
    /// <summary>Appends <paramref name="message"/>; throws <see cref="DerivedQueueFullException"/> when the queue is at its budget.</summary>
    Task Enqueue(DerivedMessage message);

    /// <summary>
    /// Takes up to <paramref name="maxCount"/> messages, oldest first, for <paramref name="reader"/>. From an empty queue,
    /// what comes within <see cref="DerivedStreamOptions.ReadWait"/>, gathered for <see cref="DerivedStreamOptions.ReadGather"/>
    /// after the first; nothing when another reader has read since or <paramref name="reader"/> stopped meanwhile.
    /// </summary>
    Task<List<DerivedMessage>> Dequeue(int maxCount, Guid reader);

    /// <summary>Ends <paramref name="reader"/>'s waiting read empty: its agent is stopping and would drop what it brought.</summary>
    Task StopReading(Guid reader);
}
