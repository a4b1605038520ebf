namespace Orleans.EventPipeline.Events;

/// <summary>
/// An event of a <see cref="SerializedEventList"/> held parsed that Orleans' serializer refuses: the list's
/// publisher leaves that one out (<see cref="Index"/>) and publishes the others, rather than fail them all.
/// </summary>
public sealed class UnserializableEventException(int index, Exception innerException)
    : Exception($"Event {index} of the list cannot be serialized: {innerException.Message}", innerException)
{
    /// <summary>The event's position in the list written.</summary>
    public int Index { get; } = index;
}
