using Orleans.EventPipeline.Events;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Processing.Ordering;

/// <summary>
/// Events a <see cref="ReorderBuffer"/> released, in order, each as the buffer held it: its serialized bytes,
/// or the parsed event. Cut into <see cref="SerializedEventList"/> parts (<see cref="Slice"/>) for the ordered
/// stream, the bytes go into the message as they are.
/// </summary>
public sealed class ReleasedEvents
{
    private readonly List<EventEntry> _entries = [];
    private Serializer<NormalizedEvent>? _serializer;

    public int Count => _entries.Count;

    /// <summary>All of them as a list (each serialized one parsed when read).</summary>
    public SerializedEventList Events => Slice(0, Count);

    public void Add(NormalizedEvent normalized) => _entries.Add(EventEntry.Of(normalized));

    /// <summary>Adds an event as the bytes <paramref name="serializer"/> wrote for it alone.</summary>
    public void AddSerialized(ReadOnlyMemory<byte> serialized, Serializer<NormalizedEvent> serializer)
    {
        _serializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        _entries.Add(EventEntry.Of(serialized));
    }

    /// <summary>Appends <paramref name="other"/>'s entries as they are held.</summary>
    public void AddRange(ReleasedEvents other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _serializer ??= other._serializer;
        _entries.AddRange(other._entries);
    }

    /// <summary>An entry's size in a stream message: exact for one held serialized, <paramref name="estimate"/> for one held parsed.</summary>
    public long BytesAt(int index, Func<NormalizedEvent, long> estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        return _entries[index].Parsed is { } parsed ? estimate(parsed) : _entries[index].Serialized.Length;
    }

    /// <summary>Entries <paramref name="offset"/> on, <paramref name="count"/> of them, as held; a copy of the references, so later changes here do not reach it.</summary>
    public SerializedEventList Slice(int offset, int count)
    {
        var entries = new EventEntry[count];
        _entries.CopyTo(offset, entries, 0, count);
        return new SerializedEventList(entries, _serializer);
    }

    public void RemoveAt(int index) => _entries.RemoveAt(index);

    public void Clear() => _entries.Clear();
}
