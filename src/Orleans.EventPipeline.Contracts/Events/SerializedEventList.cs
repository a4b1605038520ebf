using System.Collections;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Events;

/// <summary>
/// Events in order where each is either the parsed event or the bytes Orleans' serializer wrote for it
/// alone. The order stage holds its window's events serialized; on the ordered stream they go into the
/// message as those bytes instead of being read back and written again (<see cref="SerializedEventListCodec"/>),
/// which took about a fifth of the silo's CPU with the order stage on. A subscriber reads every event parsed:
/// the codec parses each one as it reads the message. An entry still serialized is parsed each time it is read.
/// </summary>
[Immutable]
public sealed class SerializedEventList : IReadOnlyList<NormalizedEvent>
{
    private readonly object[] _entries;
    private readonly Serializer<NormalizedEvent>? _serializer;

    /// <param name="entries">Each a <see cref="NormalizedEvent"/> or a <c>byte[]</c> of one serialized by <paramref name="serializer"/>; the list keeps the array.</param>
    /// <param name="serializer">Reads the serialized entries; needed when there are any.</param>
    /// <exception cref="ArgumentException">An entry is neither, or a serialized one has no serializer.</exception>
    public SerializedEventList(object[] entries, Serializer<NormalizedEvent>? serializer)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            if (entry is not NormalizedEvent && (entry is not byte[] || serializer is null))
            {
                throw new ArgumentException($"An entry must be a {nameof(NormalizedEvent)}, or a byte[] with a serializer to read it; got {entry?.GetType().Name ?? "null"}.", nameof(entries));
            }
        }

        _entries = entries;
        _serializer = serializer;
    }

    public int Count => _entries.Length;

    public NormalizedEvent this[int index] => Parse(_entries[index], _serializer);

    /// <summary>The entry as it is held: its serialized bytes, or null when it is held parsed.</summary>
    public byte[]? SerializedAt(int index) => _entries[index] as byte[];

    /// <summary>An entry held either way, parsed; the one place a held entry is read back.</summary>
    public static NormalizedEvent Parse(object entry, Serializer<NormalizedEvent>? serializer) => entry switch
    {
        NormalizedEvent parsed => parsed,
        byte[] bytes when serializer is not null => serializer.Deserialize(bytes)
            ?? throw new InvalidOperationException("A serialized event read back as null."),
        _ => throw new InvalidOperationException($"An entry must be a {nameof(NormalizedEvent)} or a serialized one; got {entry?.GetType().Name ?? "null"}."),
    };

    public IEnumerator<NormalizedEvent> GetEnumerator()
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
