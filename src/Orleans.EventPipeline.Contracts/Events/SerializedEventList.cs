using System.Collections;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Events;

/// <summary>
/// Events in order where each is either the parsed event or the bytes Orleans' serializer wrote for it
/// alone (<see cref="EventEntry"/>). The order stage holds its window's events serialized; on the ordered stream
/// they go into the message as those bytes instead of being read back and written again
/// (<see cref="SerializedEventListCodec"/>).
/// A subscriber reads every event parsed: the codec parses each one as it reads the message. An entry still
/// serialized is parsed each time it is read. Read-only: the list keeps the entries array it is given.
/// </summary>
[Immutable]
public sealed class SerializedEventList : IReadOnlyList<NormalizedEvent>, IList<NormalizedEvent>
{
    private readonly EventEntry[] _entries;
    private readonly Serializer<NormalizedEvent>? _serializer;

    /// <param name="entries">Each an event parsed, or one serialized alone by <paramref name="serializer"/>.</param>
    /// <param name="serializer">Reads the serialized entries; needed when there are any.</param>
    /// <exception cref="ArgumentException">An entry is empty, or a serialized one has no serializer.</exception>
    public SerializedEventList(EventEntry[] entries, Serializer<NormalizedEvent>? serializer)
    {
        ArgumentNullException.ThrowIfNull(entries);
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].IsEmpty || (entries[i].Parsed is null && serializer is null))
            {
                throw new ArgumentException($"Entry {i} must be an event, or serialized with a serializer to read it; it is {(entries[i].IsEmpty ? "empty" : "serialized, with no serializer")}.", nameof(entries));
            }
        }

        _entries = entries;
        _serializer = serializer;
    }

    public int Count => _entries.Length;

    bool ICollection<NormalizedEvent>.IsReadOnly => true;

    public NormalizedEvent this[int index] => _entries[index].Parsed
        ?? _serializer!.Deserialize(_entries[index].Serialized.Span)
        ?? throw new InvalidOperationException($"Serialized event {index} read back as null.");

    NormalizedEvent IList<NormalizedEvent>.this[int index]
    {
        get => this[index];
        set => throw ReadOnly();
    }

    /// <summary>The entry as it is held: its serialized bytes, or null when it is held parsed.</summary>
    public ReadOnlyMemory<byte>? SerializedAt(int index) => _entries[index].Parsed is null ? _entries[index].Serialized : (ReadOnlyMemory<byte>?)null;

    public IEnumerator<NormalizedEvent> GetEnumerator()
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public int IndexOf(NormalizedEvent item)
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            if (EqualityComparer<NormalizedEvent>.Default.Equals(this[i], item))
            {
                return i;
            }
        }

        return -1;
    }

    public bool Contains(NormalizedEvent item) => IndexOf(item) >= 0;

    public void CopyTo(NormalizedEvent[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        for (var i = 0; i < _entries.Length; i++)
        {
            array[arrayIndex + i] = this[i];
        }
    }

    void IList<NormalizedEvent>.Insert(int index, NormalizedEvent item) => throw ReadOnly();

    void IList<NormalizedEvent>.RemoveAt(int index) => throw ReadOnly();

    void ICollection<NormalizedEvent>.Add(NormalizedEvent item) => throw ReadOnly();

    void ICollection<NormalizedEvent>.Clear() => throw ReadOnly();

    bool ICollection<NormalizedEvent>.Remove(NormalizedEvent item) => throw ReadOnly();

    private static NotSupportedException ReadOnly() => new("A serialized event list is read-only.");
}
