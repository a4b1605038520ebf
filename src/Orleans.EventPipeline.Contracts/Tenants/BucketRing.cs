namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// Counts per 10 s bucket over the last <see cref="TenantActivityBuckets.Count"/> buckets: only the buckets
/// counted in, oldest first, a bucket falling out once one <see cref="TenantActivityBuckets.Count"/> newer is
/// counted. Sparse because most tenants are quiet most of the hour: a tenant that sent once keeps one bucket
/// (16 bytes and the array's header), where a dense ring keeps all 360 (5.8 KB), and the silo's counters and the
/// cluster's aggregate keep three rings per tenant. Not thread-safe; its owner locks.
/// </summary>
public sealed class BucketRing
{
    private const int Count = TenantActivityBuckets.Count;
    private Bucket[] _buckets = [];
    private int _length;

    /// <summary>Adds <paramref name="value"/> to bucket <paramref name="slot"/>; nothing for a bucket older than the ring's hour.</summary>
    public void Add(long slot, long value)
    {
        if (Claim(slot) is { } index)
        {
            _buckets[index].Value += value;
        }
    }

    /// <summary>Sets bucket <paramref name="slot"/> to <paramref name="value"/>; nothing for a bucket older than the ring's hour.</summary>
    public void Set(long slot, long value)
    {
        if (Claim(slot) is { } index)
        {
            _buckets[index].Value = value;
        }
    }

    /// <summary>Bucket <paramref name="slot"/>'s count; 0 for one not counted, or no longer in the ring.</summary>
    public long CountAt(long slot) => Find(slot) is var index and >= 0 ? _buckets[index].Value : 0;

    /// <summary>Whether bucket <paramref name="slot"/> holds a count now.</summary>
    public bool Holds(long slot) => Find(slot) >= 0;

    /// <summary>The ring's counts oldest first, ending with bucket <paramref name="lastSlot"/>.</summary>
    public long[] Series(long lastSlot)
    {
        var series = new long[Count];
        var first = lastSlot - (Count - 1);
        for (var i = 0; i < _length; i++)
        {
            var slot = _buckets[i].Slot;
            if (slot >= first && slot <= lastSlot)
            {
                series[slot - first] = _buckets[i].Value;
            }
        }

        return series;
    }

    /// <summary>Index of <paramref name="slot"/>'s bucket, or the bitwise complement of where it would go.</summary>
    private int Find(long slot)
    {
        // Nearly every call is for the newest bucket.
        if (_length > 0 && _buckets[_length - 1].Slot == slot)
        {
            return _length - 1;
        }

        var low = 0;
        var high = _length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var at = _buckets[middle].Slot;
            if (at == slot)
            {
                return middle;
            }

            if (at < slot)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    private int? Claim(long slot)
    {
        var index = Find(slot);
        if (index >= 0)
        {
            return index;
        }

        var newest = _length == 0 ? slot : Math.Max(slot, _buckets[_length - 1].Slot);
        if (slot <= newest - Count)
        {
            return null;
        }

        // Buckets an hour older than the newest leave first, then the new one goes in its place in slot order.
        var stale = 0;
        while (stale < _length && _buckets[stale].Slot <= newest - Count)
        {
            stale++;
        }

        index = ~index - stale;
        if (stale > 0)
        {
            Array.Copy(_buckets, stale, _buckets, 0, _length - stale);
            _length -= stale;
        }

        if (_length == _buckets.Length)
        {
            Array.Resize(ref _buckets, Math.Min(Count, Math.Max(2, _length * 2)));
        }

        Array.Copy(_buckets, index, _buckets, index + 1, _length - index);
        _buckets[index] = new Bucket { Slot = slot };
        _length++;
        return index;
    }

    private struct Bucket
    {
        public long Slot;
        public long Value;
    }
}
