namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// A derived stream message serialized larger than a cache block (<see cref="DerivedStreamOptions.BlockBytes"/>):
/// publish its items in smaller parts. A part of a single item this large cannot go on any derived stream.
/// </summary>
[GenerateSerializer]
public sealed class DerivedMessageTooLargeException : ArgumentException
{
    public DerivedMessageTooLargeException()
    {
    }

    public DerivedMessageTooLargeException(string message)
        : base(message)
    {
    }

    public DerivedMessageTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
