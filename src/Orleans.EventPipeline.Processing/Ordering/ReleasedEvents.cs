using System.Runtime.InteropServices;
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

    /// <summary>
    /// What the entries from <paramref name="offset"/> on keep resident, as a <see cref="ReorderBuffer"/> counts what it
    /// holds: each array of serialized events whole (once, however many of its events are here: one event keeps it
    /// all), an event held parsed by <paramref name="estimate"/>, and <see cref="ReorderBuffer.PackedOverheadBytes"/>
    /// an entry. Sets up a set of the arrays seen, so it is for the rare caller (events left unpublished), not per
    /// batch.
    /// </summary>
    public long ResidentBytes(int offset, Func<NormalizedEvent, long> estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        HashSet<byte[]>? arrays = null;
        long bytes = 0;
        for (var i = offset; i < _entries.Count; i++)
        {
            bytes += ReorderBuffer.PackedOverheadBytes;
            var entry = _entries[i];
            if (entry.Parsed is { } parsed)
            {
                bytes += estimate(parsed);
            }
            else if (!MemoryMarshal.TryGetArray(entry.Serialized, out var segment))
            {
                bytes += entry.Serialized.Length;
            }
            else if ((arrays ??= new HashSet<byte[]>(ReferenceEqualityComparer.Instance)).Add(segment.Array!))
            {
                bytes += segment.Array!.Length;
            }
        }

        return bytes;
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
