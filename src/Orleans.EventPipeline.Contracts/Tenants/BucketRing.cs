namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// Counts per 10 s bucket over the last <see cref="TenantActivityBuckets.Count"/> buckets, in a ring indexed by
/// bucket number: a bucket's cell is reused when the ring comes round to it again. Not thread-safe; its owner locks.
/// The silo's per-tenant counters and the cluster's aggregate both count in it.
/// </summary>
public sealed class BucketRing
{
    private const int Count = TenantActivityBuckets.Count;
    private readonly long[] _counts = new long[Count];
    private readonly long[] _slots = new long[Count];

    /// <summary>Adds <paramref name="value"/> to bucket <paramref name="slot"/>; nothing for a bucket older than the one its cell holds now.</summary>
    public void Add(long slot, long value)
    {
        if (Claim(slot) is { } index)
        {
            _counts[index] += value;
        }
    }

    /// <summary>Sets bucket <paramref name="slot"/> to <paramref name="value"/>; nothing for a bucket older than the one its cell holds now.</summary>
    public void Set(long slot, long value)
    {
        if (Claim(slot) is { } index)
        {
            _counts[index] = value;
        }
    }

    /// <summary>Bucket <paramref name="slot"/>'s count; 0 for one not counted, or no longer in the ring.</summary>
    public long CountAt(long slot)
    {
        var index = IndexOf(slot);
        return _slots[index] == slot ? _counts[index] : 0;
    }

    /// <summary>Whether bucket <paramref name="slot"/> holds a count now.</summary>
    public bool Holds(long slot) => _slots[IndexOf(slot)] == slot;

    /// <summary>The ring's counts oldest first, ending with bucket <paramref name="lastSlot"/>.</summary>
    public long[] Series(long lastSlot)
    {
        var series = new long[Count];
        for (var i = 0; i < Count; i++)
        {
            series[i] = CountAt(lastSlot - (Count - 1) + i);
        }

        return series;
    }

    private static int IndexOf(long slot) => (int)(slot % Count);

    private int? Claim(long slot)
    {
        var index = IndexOf(slot);
        if (_slots[index] != slot)
        {
            if (_slots[index] > slot)
            {
                return null;
            }

            _slots[index] = slot;
            _counts[index] = 0;
        }

        return index;
    }
}
