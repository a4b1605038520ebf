namespace Orleans.EventPipeline.Processing.Deduplication;

/// <summary>The event indexes of one batch that were archived or dead-lettered before, as ranges.</summary>
public readonly struct HandledEvents(IReadOnlyList<(int First, int Count)> ranges)
{
    public bool IsEmpty => ranges is null || ranges.Count == 0;

    /// <summary>True when every index from <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 was handled.</summary>
    public bool ContainsAll(int first, int count)
    {
        for (var index = first; index < first + count; index++)
        {
            if (!Contains(index))
            {
                return false;
            }
        }

        return true;
    }

    public bool Contains(int index)
    {
        if (ranges is null)
        {
            return false;
        }

        foreach (var (first, count) in ranges)
        {
            if (index >= first && index < first + count)
            {
                return true;
            }
        }

        return false;
    }
}
