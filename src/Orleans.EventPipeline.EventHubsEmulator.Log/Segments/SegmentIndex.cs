namespace Orleans.EventPipeline.EventHubsEmulator.Log.Segments;

/// <summary>
/// The sparse index of one segment: its first record plus about one record every
/// IndexIntervalBytes (16 KiB by default, so a 64 MiB segment holds ~4,096 entries, 96 KiB).
/// Sequence numbers, offsets and enqueued times all increase (times never decrease), so each
/// lookup is a binary search. One writer appends; readers search without locks: the entry is
/// stored before the count that publishes it.
/// </summary>
internal sealed class SegmentIndex
{
    private IndexEntry[] _entries;
    private int _count;

    public SegmentIndex(IReadOnlyList<IndexEntry>? entries = null)
    {
        _entries = new IndexEntry[Math.Max(16, entries?.Count ?? 0)];
        if (entries is not null)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                _entries[i] = entries[i];
            }

            _count = entries.Count;
        }
    }

    public int Count => Volatile.Read(ref _count);

    public ReadOnlySpan<IndexEntry> Entries
    {
        get
        {
            var count = Volatile.Read(ref _count);
            return Volatile.Read(ref _entries).AsSpan(0, count);
        }
    }

    /// <summary>Adds an entry after the last one; entries that do not move forward are ignored.</summary>
    public void Add(IndexEntry entry)
    {
        var count = _count;
        if (count > 0 && entry.SequenceNumber <= _entries[count - 1].SequenceNumber)
        {
            return;
        }

        if (count == _entries.Length)
        {
            var grown = new IndexEntry[count * 2];
            _entries.AsSpan().CopyTo(grown);
            Volatile.Write(ref _entries, grown);
        }

        _entries[count] = entry;
        Volatile.Write(ref _count, count + 1);
    }

    /// <summary>The last entry whose sequence number is &lt;= <paramref name="sequenceNumber"/>, else the first.</summary>
    public IndexEntry FloorBySequenceNumber(long sequenceNumber) => Floor(sequenceNumber, static e => e.SequenceNumber);

    /// <summary>The first entry whose sequence number is &gt;= <paramref name="sequenceNumber"/>; null when none is yet.</summary>
    public IndexEntry? CeilingBySequenceNumber(long sequenceNumber)
    {
        var entries = Entries;
        var before = CountAtOrBelow(entries, sequenceNumber - 1, static e => e.SequenceNumber);
        return before < entries.Length ? entries[before] : null;
    }

    /// <summary>The last entry whose offset is &lt;= <paramref name="offset"/>, else the first.</summary>
    public IndexEntry FloorByOffset(long offset) => Floor(offset, static e => e.Offset);

    /// <summary>The last entry enqueued at or before <paramref name="timeMs"/>, else the first.</summary>
    public IndexEntry FloorByEnqueuedTime(long timeMs) => Floor(timeMs, static e => e.EnqueuedTimeMs);

    private IndexEntry Floor(long key, Func<IndexEntry, long> keyOf)
    {
        var entries = Entries;
        return entries[Math.Max(0, CountAtOrBelow(entries, key, keyOf) - 1)];
    }

    /// <summary>How many entries, from the first, have a key &lt;= <paramref name="key"/> (the keys increase).</summary>
    private static int CountAtOrBelow(ReadOnlySpan<IndexEntry> entries, long key, Func<IndexEntry, long> keyOf)
    {
        int low = 0, high = entries.Length;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (keyOf(entries[mid]) <= key)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
