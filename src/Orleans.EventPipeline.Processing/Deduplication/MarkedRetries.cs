namespace Orleans.EventPipeline.Processing.Deduplication;

/// <summary>
/// The keyed batches one processor activation met as marked retries (<see cref="Streams.RawEventBatch.UncertainSince"/>),
/// with the start of their first attempt. That first attempt is the only copy sent unmarked, and it usually reaches the
/// stream first; but two activations of one ingest shard (a silo paused long enough to be declared dead, whose send
/// lands after it resumes) can put it after its retry. An unmarked keyed batch found here is then looked up in the
/// <see cref="KeyedBatchIndex"/> like a marked one, and the retry's entry, at an earlier position, makes it a repeat.
/// <para>
/// Only an unmarked batch whose id is here pays for a lookup, so batches in the usual order cost one dictionary probe.
/// Each retry is kept for the tenant's idempotency window from when it was met, as the index keeps the retry's entry
/// from when it was persisted, and at most <see cref="Capacity"/> of them, the oldest going first. The index persists the
/// retries whose events it recorded, and a new activation (a crash, a move, idle collection) restores them before its
/// first keyed batch, so a first attempt that lands after a restart is still recognised.
/// </para>
/// Not thread-safe: one per grain activation.
/// </summary>
public sealed class MarkedRetries(TimeProvider timeProvider)
{
    /// <summary>Retries kept at most: about 60 bytes each, so a processor flooded with retries holds about 1.2 MB.</summary>
    public const int Capacity = 20_000;

    private readonly TimeProvider _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    private readonly Dictionary<Guid, Retry> _retries = [];

    // Each retry's id once, in the order they were first met: what the capacity and the age drop first.
    private readonly Queue<Guid> _order = new();

    /// <summary>Retries kept.</summary>
    public int Count => _retries.Count;

    /// <summary>Remembers a marked retry of <paramref name="batchId"/> whose first attempt started at <paramref name="since"/>, for <paramref name="window"/> from now.</summary>
    public void Add(Guid batchId, DateTimeOffset since, TimeSpan window)
    {
        var now = _time.GetUtcNow().UtcTicks;
        Keep(batchId, since.UtcTicks, now + Math.Max(window.Ticks, 0), now);
    }

    /// <summary>
    /// Remembers a retry an earlier activation met and persisted (<see cref="KeyedBatchIndex.ReadRetriesAsync"/>), until
    /// <paramref name="until"/>, the end of the window it was persisted under. Restored oldest first, so that the capacity
    /// keeps the newest.
    /// </summary>
    public void Restore(Guid batchId, DateTimeOffset since, DateTimeOffset until) =>
        Keep(batchId, since.UtcTicks, until.UtcTicks, _time.GetUtcNow().UtcTicks);

    private void Keep(Guid batchId, long since, long until, long now)
    {
        if (_retries.TryGetValue(batchId, out var known))
        {
            // Retries of one round carry the same start; a later one extends the time its first attempt is watched for.
            _retries[batchId] = new Retry(Math.Min(known.Since, since), Math.Max(known.Until, until));
        }
        else
        {
            _retries[batchId] = new Retry(since, until);
            _order.Enqueue(batchId);
        }

        Trim(now);
    }

    /// <summary>Whether a marked retry of <paramref name="batchId"/> was met within its window; <paramref name="since"/> is its first attempt's start.</summary>
    public bool TryGet(Guid batchId, out DateTimeOffset since)
    {
        if (_retries.TryGetValue(batchId, out var retry) && retry.Until > _time.GetUtcNow().UtcTicks)
        {
            since = new DateTimeOffset(retry.Since, TimeSpan.Zero);
            return true;
        }

        since = default;
        return false;
    }

    /// <summary>Drops the retries past their window from the front of the order, and the oldest over the capacity.</summary>
    private void Trim(long now)
    {
        while (_order.TryPeek(out var oldest))
        {
            var over = _retries.Count > Capacity;
            var retry = _retries[oldest];
            if (!over && retry.Until > now)
            {
                return;
            }

            _order.Dequeue();
            _retries.Remove(oldest);
        }
    }

    private readonly record struct Retry(long Since, long Until);
}
