using System.Globalization;
using System.Runtime.InteropServices;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>
/// Keeps every value of a name an event gives more than once: the last has the name, as JSON readers read a repeated
/// name, and each earlier one moves to <c>{name}#1</c>, <c>#2</c>, ... (the first such name free), so a value sent twice
/// to hide another one shows both. One per event being built (JSON, CEF extensions, RFC 5424 structured data, the
/// enrichment's mark); it makes nothing until a name repeats.
/// </summary>
public struct RepeatedNames
{
    // The next number to try for each name given more than once, made at the first such name: a name repeated 40,000
    // times in one event costs 40,000 tries, not 800 million.
    private Dictionary<string, int>? _next;

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, an earlier value moving to its first free number.</summary>
    public void Set<TValue>(Dictionary<string, TValue> attributes, string name, TValue value)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        // One lookup for a new name, the common case.
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(attributes, name, out var exists);
        var earlier = slot;
        slot = value;
        if (exists)
        {
            AddNumbered(attributes, name, earlier!);
        }
    }

    /// <summary>Adds <paramref name="value"/> as <c>{name}#n</c>, the first such name free.</summary>
    public void AddNumbered<TValue>(Dictionary<string, TValue> attributes, string name, TValue value)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        _next ??= new Dictionary<string, int>(StringComparer.Ordinal);
        ref var next = ref CollectionsMarshal.GetValueRefOrAddDefault(_next, name, out _);
        do
        {
            next++;
        }
        while (!attributes.TryAdd(string.Create(CultureInfo.InvariantCulture, $"{name}#{next}"), value));
    }
}
