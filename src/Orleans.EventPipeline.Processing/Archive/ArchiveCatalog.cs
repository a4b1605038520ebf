using System.Runtime.CompilerServices;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>Finds and reads a tenant's archive objects by event time.</summary>
public static class ArchiveCatalog
{
    // An object sits in the hour of its first event and holds events up to its flush age (at most an
    // hour) later: listing starts one hour before the range so such an object is not missed. Events further
    // from that hour (a clock far off, a spool of old events followed by live ones) are found through the
    // markers the writer leaves in their hours' folders (ArchiveObjectName.SpillName).
    private static readonly TimeSpan Spill = TimeSpan.FromHours(1);

    /// <summary>The longest range one listing takes: 31 days of hourly folders is 744 listings; past that a caller should narrow the range.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>
    /// The tenant's objects that may hold events with a time in [<paramref name="from"/>, <paramref name="to"/>), each
    /// once: by hour, stream key and sequence, an object found through a marker in the hour of the marker (its own hour
    /// is <see cref="ArchiveObjectName.Hour"/>); an object a replay's rebuild superseded is left out (<see cref="Furthest"/>).
    /// </summary>
    public static async IAsyncEnumerable<ArchiveObjectName> ListAsync(
        IArchiveStore store,
        string tenantId,
        DateTimeOffset from,
        DateTimeOffset to,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        if (to <= from)
        {
            yield break;
        }

        if (to - from > MaxRange)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"The range {from:O} to {to:O} is longer than {MaxRange.TotalDays} days: list it in parts.");
        }

        var first = ListingStart(from);
        var last = DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerHour;
        // An object found in its own hour and through markers in others is listed once.
        var listed = new HashSet<string>(StringComparer.Ordinal);
        for (var hour = ArchiveObjectName.TruncateToHour(first); hour < to; hour = hour.UtcTicks > last ? DateTimeOffset.MaxValue : hour.AddHours(1))
        {
            var names = new List<ArchiveObjectName>();
            List<ArchiveObjectName>? marked = null;
            await foreach (var name in store.ListAsync(ArchiveObjectName.FolderOf(tenantId, hour), cancellationToken))
            {
                if (ArchiveObjectName.TryParse(name, out var parsed) && parsed.TenantId == tenantId)
                {
                    names.Add(parsed);
                }
                else if (ArchiveObjectName.TryParseSpill(name, out var target) && target.TenantId == tenantId)
                {
                    (marked ??= []).Add(target);
                }
            }

            names.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            var furthest = Furthest(names);
            foreach (var name in names)
            {
                if (name.LastSequence == furthest[(name.StreamKey, name.FirstSequence)] && listed.Add(name.Name))
                {
                    yield return name;
                }
            }

            // A marker names the object as it was when the marker was written: a replay's rebuild (same first position,
            // longer) replaces it without removing the markers it left. What is listed is the object in its own hour now.
            foreach (var target in marked ?? [])
            {
                if (await FurthestAsync(store, tenantId, target.Hour, target.StreamKey, target.FirstSequence, cancellationToken) is { } current
                    && listed.Add(current.Name))
                {
                    yield return current;
                }
            }
        }
    }

    /// <summary>
    /// Whether every range listing that holds <paramref name="time"/> lists the folder of <paramref name="hour"/>, so
    /// an object there is found for an event at that time; the writer leaves a marker for the events it is not.
    /// </summary>
    internal static bool FoundThrough(DateTimeOffset hour, DateTimeOffset time) =>
        time >= hour && ArchiveObjectName.TruncateToHour(ListingStart(time)) <= hour;

    // Clamped: events of year 1 or 9999 are archived too, and their range must not step off DateTimeOffset's.
    private static DateTimeOffset ListingStart(DateTimeOffset from) =>
        from.UtcTicks < DateTimeOffset.MinValue.UtcTicks + Spill.Ticks ? DateTimeOffset.MinValue : from - Spill;

    /// <summary>
    /// The last position of the longest object per stream key and first position. A replay after a crash rebuilds the
    /// one object its processor had not recorded, from the same first position through at least the same last
    /// (<see cref="ArchiveWriter"/>), writes it, and only then deletes the old one: listed in between, or after a delete
    /// that failed, both would be read and their common events counted twice. Only the longest is listed.
    /// </summary>
    private static Dictionary<(string StreamKey, long First), long> Furthest(List<ArchiveObjectName> names)
    {
        var furthest = new Dictionary<(string, long), long>(names.Count);
        foreach (var name in names)
        {
            var key = (name.StreamKey, name.FirstSequence);
            furthest[key] = Math.Max(name.LastSequence, furthest.GetValueOrDefault(key, -1));
        }

        return furthest;
    }

    /// <summary>
    /// Reads one object's events. An object a replay's rebuild superseded after it was listed is read as that rebuild
    /// (<see cref="Furthest"/>): the listing came before the rebuild was written and the read after the old one was
    /// deleted, and reading nothing would drop its events from the caller's view. Empty when neither exists.
    /// </summary>
    public static async Task<IReadOnlyList<NormalizedEvent>> ReadAsync(IArchiveStore store, ArchiveObjectName name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        // Each try that misses finds a later rebuild; a third means three crashes in one read, and the next listing will show the last.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var stream = await store.OpenReadAsync(name.Name, cancellationToken);
            if (stream is not null)
            {
                await using (stream)
                {
                    return await ArchiveFormat.DecodeAsync(stream, cancellationToken);
                }
            }

            if (await FurthestAsync(store, name.TenantId, name.Hour, name.StreamKey, name.FirstSequence, cancellationToken) is not { } rebuild
                || rebuild.LastSequence <= name.LastSequence)
            {
                break;
            }

            name = rebuild;
        }

        return [];
    }

    /// <summary>
    /// Of the stream key's objects in the hour's folder that start at <paramref name="firstSequence"/>, the one that ends
    /// furthest, else null: the one a reader takes (<see cref="Furthest"/>) and a replay's writer must reach before it
    /// may write its rebuild (<see cref="ArchiveWriter"/>).
    /// </summary>
    internal static async Task<ArchiveObjectName?> FurthestAsync(IArchiveStore store, string tenantId, DateTimeOffset hour, string streamKey, long firstSequence, CancellationToken cancellationToken)
    {
        ArchiveObjectName? furthest = null;
        var prefix = ArchiveObjectName.FolderOf(tenantId, hour) + ArchiveObjectName.SequencePrefix(streamKey, firstSequence);
        await foreach (var listed in store.ListAsync(prefix, cancellationToken))
        {
            if (ArchiveObjectName.TryParse(listed, out var parsed) && parsed.TenantId == tenantId && parsed.StreamKey == streamKey
                && parsed.FirstSequence == firstSequence && parsed.LastSequence > (furthest?.LastSequence ?? -1))
            {
                furthest = parsed;
            }
        }

        return furthest;
    }

    /// <summary>Every archived event of the tenant with a time in [<paramref name="from"/>, <paramref name="to"/>), in archive order.</summary>
    public static async Task<IReadOnlyList<NormalizedEvent>> ReadRangeAsync(IArchiveStore store, string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var events = new List<NormalizedEvent>();
        await foreach (var name in ListAsync(store, tenantId, from, to, cancellationToken))
        {
            foreach (var normalized in await ReadAsync(store, name, cancellationToken))
            {
                if (normalized.EffectiveTime >= from && normalized.EffectiveTime < to)
                {
                    events.Add(normalized);
                }
            }
        }

        return events;
    }
}
