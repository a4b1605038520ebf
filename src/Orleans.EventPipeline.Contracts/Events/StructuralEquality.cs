namespace Orleans.EventPipeline.Events;

/// <summary>
/// Content equality for the collections inside settings records: a record compares its dictionaries and
/// lists by reference, so settings read back from storage would never equal those written.
/// </summary>
internal static class StructuralEquality
{
    public static bool Equal<T>(IReadOnlyList<T>? left, IReadOnlyList<T>? right) =>
        ReferenceEquals(left, right) || (left is not null && right is not null && left.SequenceEqual(right));

    public static bool Equal<TValue>(IReadOnlyDictionary<string, TValue>? left, IReadOnlyDictionary<string, TValue>? right)
    {
        if (ReferenceEquals(left, right))
        {
            return true;
        }

        if (left is null || right is null || left.Count != right.Count)
        {
            return false;
        }

        foreach (var (key, value) in left)
        {
            if (!right.TryGetValue(key, out var other) || !EqualityComparer<TValue>.Default.Equals(value, other))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A hash that equal collections share: their sizes (the contents are compared by Equals).</summary>
    public static int Count<T>(IReadOnlyCollection<T>? collection) => collection?.Count ?? -1;
}
