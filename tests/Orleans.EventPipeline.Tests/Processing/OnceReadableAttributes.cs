using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>Attributes that can be read once: the publisher's size estimate reads them, the serializer then fails.</summary>
internal sealed class OnceReadableAttributes : IReadOnlyDictionary<string, AttributeValue>
{
    private readonly Dictionary<string, AttributeValue> _values = new(StringComparer.Ordinal) { ["k"] = AttributeValue.Of("v") };
    private int _reads;

    public AttributeValue this[string key] => _values[key];

    public IEnumerable<string> Keys => _values.Keys;

    public IEnumerable<AttributeValue> Values => _values.Values;

    public int Count => _values.Count;

    public bool ContainsKey(string key) => _values.ContainsKey(key);

    public bool TryGetValue(string key, out AttributeValue value) => _values.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, AttributeValue>> GetEnumerator() => Interlocked.Increment(ref _reads) == 1
        ? _values.GetEnumerator()
        : throw new InvalidOperationException("These attributes can be read once.");

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
