using System.Globalization;
using System.Text;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Processing.Deduplication;

/// <summary>
/// Where a repeated event is recognised. Remembers, for one stream key, the keyed batches (ids derived
/// from an Idempotency-Key) whose events were archived or dead-lettered, so that a retry of such a batch
/// whose first attempt may have been stored (<see cref="Streams.RawEventBatch.UncertainSince"/>) keeps
/// only the events not handled before: each event id is archived once within the idempotency window,
/// across restarts.
/// <para>
/// Nothing is held in memory between lookups but the entries recorded since the last
/// <see cref="PersistAsync"/>: entries are persisted next to the archive as small text objects
/// <c>_keyed/{tenant}/{streamKey}/{persisted-at ticks}-{through sequence}-{window seconds}.txt</c>, one line
/// <c>{batch} {first index} {count} {sequence}</c> per batch part, written with each archive object. Only a marked
/// retry reads them back — the objects persisted since its first attempt started — or a first attempt that comes after
/// a retry of it (<see cref="MarkedRetries"/>), so the steady-state
/// cost is one small write per archive flush that held keyed batches, and none for batches without a key.
/// </para>
/// <para>
/// A flush that persists entries of marked retries also writes their ids and first attempts' starts to
/// <c>_keyed/{tenant}/{streamKey}~retried/</c>, named as the index objects: a new activation reads that short listing back
/// (<see cref="ReadRetriesAsync"/>) so the first attempt of a retry archived before a crash, a move or idle collection is
/// still recognised when it lands later. Retries are rare (only after an attempt whose outcome is unknown), so this
/// costs one listing per activation that meets a keyed batch, and a read per record in the window.
/// </para>
/// <para>
/// Each object names the tenant's idempotency window in force when it was persisted and is kept for the longer of
/// that window and the current one: a tenant that shortens its window must not lose the entries of attempts made
/// under the longer one, whose retries may still come. Objects named before the window was in the name
/// (<c>{ticks}-{through}.txt</c>) follow the current window, as they always did.
/// </para>
/// <para>
/// A lookup counts only entries of batches at earlier stream positions than the one asking. A replay after
/// a crash between an archive object's write and the processor's record of it re-reads batches whose own
/// entries were persisted with that object: counting those would drop a retry's events from the rebuilt
/// object, which then replaces the one that held them. The same holds for a delivery retried after it
/// failed past <see cref="Record"/> in one activation.
/// </para>
/// Not thread-safe: one index per grain activation.
/// </summary>
public sealed class KeyedBatchIndex
{
    /// <summary>Root of the index objects in the archive store; an administrator's tenant ids never start with '_', and the silos' own (<c>_warmup</c>) is another name.</summary>
    public const string Root = "_keyed/";

    /// <summary>
    /// Clocks of the silo that stamped the attempt and of the one that persisted the index may differ; an
    /// index object persisted up to 5 minutes "before" the attempt started is still read.
    /// </summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const string Extension = ".txt";

    // Retry records a new activation reads at once (ReadRetriesAsync).
    private const int RetriedReadsAtOnce = 16;

    // Entries read back for lookups, by object name; a burst of retries after a crash reads each object once.
    private const int MaxCachedEntries = 100_000;

    private readonly IArchiveStore _store;
    private readonly TimeProvider _time;
    private readonly string _prefix;
    private readonly string _retriedPrefix;
    private readonly List<Entry> _pending = [];
    private readonly Dictionary<string, Entry[]> _read = new(StringComparer.Ordinal);
    private int _readEntries;
    private DateTimeOffset _expiredAt = DateTimeOffset.MinValue;

    public KeyedBatchIndex(IArchiveStore store, string tenantId, string streamKey, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamKey);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _prefix = $"{TenantPrefix(tenantId)}{streamKey}/";
        // Beside the stream key's folder, not in it: a lookup lists the index objects alone. No stream key ends in "~retried".
        _retriedPrefix = $"{TenantPrefix(tenantId)}{streamKey}~retried/";
    }

    /// <summary>Where a tenant's index objects are, all its stream keys: what a delete of the tenant's data removes.</summary>
    public static string TenantPrefix(string tenantId) => $"{Root}{tenantId}/";

    /// <summary>Keyed batch parts recorded and not yet persisted.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>
    /// Forgets the entries recorded and not persisted, and those read back: for a tenant whose data a delete removed,
    /// whose index objects it deletes. Returns the entries that were pending.
    /// </summary>
    public int DropPending()
    {
        var pending = _pending.Count;
        _pending.Clear();
        _read.Clear();
        _readEntries = 0;
        return pending;
    }

    /// <summary>
    /// Records that the events <paramref name="firstIndex"/> .. + <paramref name="count"/> of a keyed batch, at stream
    /// position <paramref name="sequence"/>, were handled; <paramref name="retrySince"/> is the first attempt's start when
    /// the batch was a marked retry, persisted for <see cref="ReadRetriesAsync"/>.
    /// </summary>
    public void Record(Guid batchId, int firstIndex, int count, long sequence, DateTimeOffset? retrySince = null) =>
        _pending.Add(new Entry(batchId, firstIndex, count, sequence, retrySince?.UtcTicks ?? NotRetried));

    /// <summary>
    /// The event indexes of <paramref name="batchId"/> handled at stream positions before <paramref name="sequence"/>:
    /// recorded in this activation, or persisted since <paramref name="since"/> (less <see cref="ClockSkew"/>).
    /// </summary>
    public async Task<HandledEvents> FindHandledAsync(Guid batchId, DateTimeOffset since, long sequence, CancellationToken cancellationToken)
    {
        var ranges = new List<(int First, int Count)>();
        Collect(_pending, batchId, sequence, ranges);
        // The attempt's start comes off the message: any client could write year 1 there.
        var from = since.UtcTicks - DateTimeOffset.MinValue.UtcTicks < ClockSkew.Ticks ? DateTimeOffset.MinValue : since - ClockSkew;
        await foreach (var name in _store.ListAsync(_prefix, cancellationToken))
        {
            if (!TryParseName(name, _prefix, out var persistedAt, out var through, out _) || persistedAt < from)
            {
                continue;
            }

            if (!_read.TryGetValue(name, out var entries))
            {
                entries = await ReadAsync(name, through, cancellationToken);
                if (_readEntries + entries.Length > MaxCachedEntries)
                {
                    _read.Clear();
                    _readEntries = 0;
                }

                _read[name] = entries;
                _readEntries += entries.Length;
            }

            Collect(entries, batchId, sequence, ranges);
        }

        return new HandledEvents(ranges);
    }

    /// <summary>
    /// Makes the recorded entries through <paramref name="throughSequence"/> durable (entries are recorded in stream
    /// order), before the consumer's position passes the batches they describe;
    /// then deletes index objects older than their own window and <paramref name="window"/>, the tenant's current one
    /// (at most once an hour). The object written now names <paramref name="window"/> as its own.
    /// </summary>
    public async Task PersistAsync(long throughSequence, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        // Only entries through the position: a batch after it is still buffered, not yet archived or dead-lettered.
        var through = 0;
        while (through < _pending.Count && _pending[through].Sequence <= throughSequence)
        {
            through++;
        }

        if (through > 0)
        {
            var text = new StringBuilder(through * 48);
            StringBuilder? retried = null;
            foreach (var entry in _pending[..through])
            {
                text.Append(CultureInfo.InvariantCulture, $"{entry.BatchId:N} {entry.FirstIndex} {entry.Count} {entry.Sequence}\n");
                if (entry.RetrySince != NotRetried)
                {
                    (retried ??= new StringBuilder()).Append(CultureInfo.InvariantCulture, $"{entry.BatchId:N} {entry.RetrySince}\n");
                }
            }

            var file = string.Create(CultureInfo.InvariantCulture, $"{now.UtcTicks:D19}-{throughSequence:D20}-{WindowSeconds(window)}{Extension}");
            if (retried is not null)
            {
                // Before the index object: either way both are written before the consumer's position passes the retry,
                // whose replay after a crash in between records and writes them again.
                await _store.WriteAsync(_retriedPrefix + file, Encoding.UTF8.GetBytes(retried.ToString()), cancellationToken);
            }

            await _store.WriteAsync(_prefix + file, Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
            _pending.RemoveRange(0, through);
        }

        if (now - _expiredAt >= TimeSpan.FromHours(1))
        {
            await ExpireAsync(now, window, cancellationToken);
            _expiredAt = now;
        }
    }

    /// <summary>
    /// The marked retries persisted by earlier activations (<see cref="Record"/>'s retry start) whose objects have not
    /// expired, oldest first, each with the end of its window: the longer of the object's own and <paramref name="current"/>,
    /// plus <see cref="ClockSkew"/>, as the index keeps its entries.
    /// </summary>
    public async Task<IReadOnlyList<PersistedRetry>> ReadRetriesAsync(TimeSpan current, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var objects = new List<(string Name, DateTimeOffset Until)>();
        await foreach (var name in _store.ListAsync(_retriedPrefix, cancellationToken))
        {
            if (TryParseName(name, _retriedPrefix, out var persistedAt, out _, out var own)
                && Kept(now, persistedAt, own, current) is { } until)
            {
                objects.Add((name, until));
            }
        }

        // Names start with the persisting time, zero-padded: ordinal order is the order they were written in.
        objects.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        // Read side by side: after an outage of the hub many flushes may each have written one (a Blob GET is milliseconds).
        var read = new List<PersistedRetry>[objects.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, objects.Count),
            new ParallelOptions { MaxDegreeOfParallelism = RetriedReadsAtOnce, CancellationToken = cancellationToken },
            async (i, cancel) => read[i] = await ReadRetriedAsync(objects[i].Name, objects[i].Until, cancel));
        return [.. read.SelectMany(static retries => retries)];
    }

    private async Task<List<PersistedRetry>> ReadRetriedAsync(string name, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var retries = new List<PersistedRetry>();
        await using var stream = await _store.OpenReadAsync(name, cancellationToken);
        if (stream is null)
        {
            return retries;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var parts = line.Split(' ');
            if (parts.Length == 2
                && Guid.TryParseExact(parts[0], "N", out var batchId)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var since)
                && since <= DateTimeOffset.MaxValue.UtcTicks)
            {
                retries.Add(new PersistedRetry(batchId, new DateTimeOffset(since, TimeSpan.Zero), until));
            }
        }

        return retries;
    }

    /// <summary>Deletes the objects persisted longer ago than the longer of their own window and <paramref name="current"/>, plus <see cref="ClockSkew"/>.</summary>
    private async Task ExpireAsync(DateTimeOffset now, TimeSpan current, CancellationToken cancellationToken)
    {
        var expired = new List<string>();
        foreach (var prefix in (string[])[_prefix, _retriedPrefix])
        {
            await foreach (var name in _store.ListAsync(prefix, cancellationToken))
            {
                if (TryParseName(name, prefix, out var persistedAt, out _, out var own) && Kept(now, persistedAt, own, current) is null)
                {
                    expired.Add(name);
                }
            }
        }

        foreach (var name in expired)
        {
            await _store.DeleteAsync(name, cancellationToken);
            if (_read.Remove(name, out var entries))
            {
                _readEntries -= entries.Length;
            }
        }
    }

    /// <summary>
    /// Until when an object persisted at <paramref name="persistedAt"/> under <paramref name="own"/> window is kept, the
    /// current window being <paramref name="current"/>; null once that has passed.
    /// </summary>
    private static DateTimeOffset? Kept(DateTimeOffset now, DateTimeOffset persistedAt, TimeSpan? own, TimeSpan current)
    {
        // As an age: a window read from a name is not bounded by the tenant settings' limits, and must not overflow a date.
        var window = own is { } kept && kept > current ? kept : current;
        var age = now - persistedAt - ClockSkew;
        if (age > window)
        {
            return null;
        }

        // A name from the future or a window of centuries must not overflow the date either.
        var remaining = (Int128)window.Ticks - age.Ticks;
        return remaining >= DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks ? DateTimeOffset.MaxValue : now.AddTicks((long)remaining);
    }

    private static void Collect(IEnumerable<Entry> entries, Guid batchId, long before, List<(int, int)> ranges)
    {
        foreach (var entry in entries)
        {
            if (entry.BatchId == batchId && entry.Sequence < before)
            {
                ranges.Add((entry.FirstIndex, entry.Count));
            }
        }
    }

    private async Task<Entry[]> ReadAsync(string name, long through, CancellationToken cancellationToken)
    {
        await using var stream = await _store.OpenReadAsync(name, cancellationToken);
        if (stream is null)
        {
            return [];
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var entries = new List<Entry>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var parts = line.Split(' ');
            // Objects persisted before entries carried their position have three fields: each of their batches is
            // at or below the object's through sequence, so only a lookup past it counts them (a replay within it
            // may be the batch itself: archiving a retry twice is the lesser harm than losing it).
            var sequence = through;
            if (parts.Length is 3 or 4
                && Guid.TryParseExact(parts[0], "N", out var batchId)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                && (parts.Length == 3 || long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out sequence)))
            {
                entries.Add(new Entry(batchId, first, count, sequence));
            }
        }

        return [.. entries];
    }

    /// <summary>Whole seconds, rounded up: an object is never kept shorter than the window it was written under.</summary>
    private static long WindowSeconds(TimeSpan window) => (long)Math.Ceiling(Math.Max(window.TotalSeconds, 0));

    /// <summary>
    /// Reads <c>{persisted-at ticks}-{through sequence}-{window seconds}.txt</c> under this index's prefix, or the older
    /// <c>{persisted-at ticks}-{through sequence}.txt</c> (<paramref name="window"/> null); false for anything else.
    /// </summary>
    private static bool TryParseName(string name, string prefix, out DateTimeOffset persistedAt, out long through, out TimeSpan? window)
    {
        persistedAt = default;
        through = default;
        window = null;
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(Extension, StringComparison.Ordinal))
        {
            return false;
        }

        var file = name.AsSpan(prefix.Length, name.Length - prefix.Length - Extension.Length);
        var dash = file.IndexOf('-');
        if (dash <= 0 || !long.TryParse(file[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        var rest = file[(dash + 1)..];
        var second = rest.IndexOf('-');
        if (second >= 0)
        {
            if (!long.TryParse(rest[(second + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                || seconds > (long)TimeSpan.MaxValue.TotalSeconds)
            {
                return false;
            }

            window = TimeSpan.FromSeconds(seconds);
            rest = rest[..second];
        }

        if (!long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out through))
        {
            return false;
        }

        persistedAt = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    // Entries of batches that were not marked retries, and every entry read back: only the persisting activation writes retries.
    private const long NotRetried = -1;

    private readonly record struct Entry(Guid BatchId, int FirstIndex, int Count, long Sequence, long RetrySince = NotRetried);
}

/// <summary>A marked retry an earlier activation persisted: its batch, its first attempt's start, and the end of its window.</summary>
public readonly record struct PersistedRetry(Guid BatchId, DateTimeOffset Since, DateTimeOffset Until);
