using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// Keeps one partition's receiver cache from purging a message a live cursor has not returned yet.
/// Orleans' cache purges by age alone; a cursor whose next message was purged gets a cache miss and is
/// moved on, so the messages between were never delivered and, being purged, were checkpointed past.
/// A cursor in the middle of its walk keeps its place as a position in the partition (the cache checks
/// its oldest message against it), so every message from the lowest such position on is kept; a cursor
/// that has caught up keeps only its own stream's messages newer than where it stopped.
/// </summary>
/// <remarks>
/// The pulling agent of the partition creates, walks and disposes the cursors and triggers the purge, all
/// in its own turns; the lock only guards against a cursor disposed from elsewhere.
/// </remarks>
internal sealed partial class PurgeGuard(string partition, StreamCacheOptions options, PurgeGuardWording wording, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly HashSet<TrackedCursor> _cursors = [];
    private readonly Dictionary<StreamId, long> _idleAfter = [];
    private readonly Dictionary<StreamId, long> _purgedThrough = [];
    private int _generation;
    private bool _positionsTaken;
    private long _walkingBound = long.MaxValue;
    private TrackedCursor? _walkingHolder;
    private StreamId? _blockedBy;
    private TrackedCursor? _blockedByCursor;
    private long _blockedAt;
    private DateTimeOffset? _heldSince;
    private DateTimeOffset _lastHeldWarning;
    private int _holdsStarted;

    /// <summary>The partition's cache, set when the receiver creates it; gives the newest sequence number.</summary>
    public IPurgeObservable? Cache { get; set; }

    /// <summary>The partition's guarded purge, through its cache (<see cref="GuardedEvictionStrategy.PurgeThrough"/>).</summary>
    public Action<DateTime>? Purge { get; set; }

    /// <summary>
    /// True while the last purge had to keep messages older than the cache age, or over the silo's cache
    /// budget, for a cursor: the receiver
    /// then reads no more, so the partition's events wait in Event Hubs rather than in this silo's memory.
    /// </summary>
    public bool IsHeld { get; private set; }

    /// <summary>For tests: the holds this partition's guard started (the meter's counter adds every partition of the process).</summary>
    internal int HoldsStarted => Volatile.Read(ref _holdsStarted);

    /// <summary>Sequence number of the newest cached message; -1 while the cache is empty.</summary>
    public long NewestSequenceNumber => Cache is { IsEmpty: false, Newest: { } newest } ? newest.SequenceNumber : -1;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// Starts a new pulling agent's cursors. A partition's agent stops before another one starts on this
    /// silo, and any cursor of the old one it failed to dispose must not hold the cache from then on.
    /// </summary>
    public int NewGeneration()
    {
        lock (_gate)
        {
            // The new agent's receiver reads from the checkpoint again: what the old one read says nothing of its cursors.
            _unwoken.Clear();
            return ++_generation;
        }
    }

    public void Add(TrackedCursor cursor)
    {
        lock (_gate)
        {
            _cursors.Add(cursor);
        }
    }

    public void Remove(TrackedCursor cursor)
    {
        lock (_gate)
        {
            _cursors.Remove(cursor);
        }
    }

    /// <summary>
    /// Purges again while held, whether or not the receiver thinks itself under pressure: the receiver
    /// purges only when it reads, a held partition does not read, and Orleans' pressure monitor (a slow
    /// cursor near the oldest message counts as pressure) would keep it from purging until that cursor had
    /// walked most of the cache rather than just past the message it held.
    /// </summary>
    public void RetryPurge() => Purge?.Invoke(time.GetUtcNow().UtcDateTime);

    /// <summary>Whether no message of <paramref name="streamId"/> at or after <paramref name="sequenceNumber"/> was purged.</summary>
    public bool KeptFrom(StreamId streamId, long sequenceNumber)
    {
        lock (_gate)
        {
            return !_purgedThrough.TryGetValue(streamId, out var purged) || purged < sequenceNumber;
        }
    }

    /// <summary>Starts one purge; the cursors' positions are taken when the age first asks to purge a message.</summary>
    public void BeginPurge()
    {
        _positionsTaken = false;
        _blockedBy = null;
        _blockedByCursor = null;
    }

    /// <summary>Whether <paramref name="message"/>, which the cache age would purge, may go.</summary>
    public bool MayPurge(in CachedMessage message)
    {
        if (!_positionsTaken)
        {
            TakePositions();
        }

        if (message.SequenceNumber >= _walkingBound)
        {
            _blockedBy = _walkingHolder?.StreamId;
            _blockedByCursor = _walkingHolder;
        }
        else if (_idleAfter.TryGetValue(message.StreamId, out var after) && message.SequenceNumber > after)
        {
            _blockedBy = message.StreamId;
        }
        else
        {
            lock (_gate)
            {
                _purgedThrough[message.StreamId] = message.SequenceNumber;
            }

            return true;
        }

        _blockedAt = message.SequenceNumber;
        return false;
    }

    /// <summary>Records whether this purge stopped at a message a cursor still needs, and says so when that lasts.</summary>
    public void EndPurge()
    {
        var now = time.GetUtcNow();
        if (_blockedBy is not { } stream)
        {
            if (_heldSince is { } since && _lastHeldWarning >= since)
            {
                LogResumed(logger, partition, (now - since).TotalSeconds);
            }

            _heldSince = null;
            IsHeld = false;
            return;
        }

        if (_heldSince is null)
        {
            _heldSince = now;
            StreamCacheInstruments.RecordHold(partition);
            Interlocked.Increment(ref _holdsStarted);
        }

        IsHeld = true;
        if (now - _heldSince.Value >= options.MaxRelativeAge && now - _lastHeldWarning >= options.MaxRelativeAge)
        {
            _lastHeldWarning = now;
            var unmoved = _blockedByCursor is { } cursor ? (now - cursor.LastMoved).TotalSeconds : 0;
            LogHeld(logger, partition, (now - _heldSince.Value).TotalSeconds, stream, _blockedAt, unmoved, options.MaxRelativeAge.TotalSeconds, wording.BudgetSetting, wording.WhileHeld);
        }
    }

    private void TakePositions()
    {
        lock (_gate)
        {
            _cursors.RemoveWhere(cursor => cursor.Generation != _generation);
            _walkingBound = long.MaxValue;
            _walkingHolder = null;
            _idleAfter.Clear();
            foreach (var cursor in _cursors)
            {
                if (cursor.WalkingFrom is { } from)
                {
                    if (from < _walkingBound)
                    {
                        _walkingBound = from;
                        _walkingHolder = cursor;
                    }
                }
                else if (!_idleAfter.TryGetValue(cursor.StreamId, out var after) || cursor.IdleAfter < after)
                {
                    _idleAfter[cursor.StreamId] = cursor.IdleAfter;
                }
            }
        }

        _positionsTaken = true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} has read nothing new for {Seconds:F0} s: stream {StreamId} has not taken message {SequenceNumber} yet (its cursor last moved {UnmovedSeconds:F0} s ago), which the cache has to keep while it is older than the cache age ({MaxRelativeAgeSeconds} s, Pipeline:StreamCache:MaxRelativeAge) or the silo's caches are over their budget ({BudgetSetting}). {WhileHeld}")]
    private static partial void LogHeld(ILogger logger, string partition, double seconds, StreamId streamId, long sequenceNumber, double unmovedSeconds, double maxRelativeAgeSeconds, string budgetSetting, string whileHeld);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} reads again: its slowest subscriber caught up after {Seconds:F0} s")]
    private static partial void LogResumed(ILogger logger, string partition, double seconds);
}
