namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// A derived queue is at its byte budget: its subscribers are behind. The publish did not happen and
/// should be retried later; a stage that publishes from its own stream delivery fails that delivery,
/// which Orleans retries with backoff.
/// </summary>
[GenerateSerializer]
public sealed class DerivedQueueFullException : Exception
{
    public DerivedQueueFullException()
    {
    }

    public DerivedQueueFullException(string message)
        : base(message)
    {
    }

    public DerivedQueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
