namespace Orleans.EventPipeline.Events;

/// <summary>
/// One event of a <see cref="SerializedEventList"/> as it is held: the parsed event, or the bytes Orleans'
/// serializer wrote for it alone. Those bytes may be a range of a larger array that holds other events too
/// (the order stage keeps a batch's events in one array), so an entry is a struct, not an object per event.
/// </summary>
public readonly struct EventEntry
{
    private EventEntry(NormalizedEvent? parsed, ReadOnlyMemory<byte> serialized)
    {
        Parsed = parsed;
        Serialized = serialized;
    }

    /// <summary>The event, when it is held parsed; null when it is held serialized.</summary>
    public NormalizedEvent? Parsed { get; }

    /// <summary>The event's bytes, when it is held serialized; empty when it is held parsed.</summary>
    public ReadOnlyMemory<byte> Serialized { get; }

    /// <summary>Neither: the default value, which no list accepts.</summary>
    public bool IsEmpty => Parsed is null && Serialized.IsEmpty;

    public static EventEntry Of(NormalizedEvent parsed) => new(parsed ?? throw new ArgumentNullException(nameof(parsed)), default);

    /// <exception cref="ArgumentException">No bytes: a serialized event is never empty.</exception>
    public static EventEntry Of(ReadOnlyMemory<byte> serialized) =>
        serialized.IsEmpty ? throw new ArgumentException("A serialized event has at least one byte.", nameof(serialized)) : new(null, serialized);
}
