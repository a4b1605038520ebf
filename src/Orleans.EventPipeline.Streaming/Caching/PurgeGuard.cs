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
internal sealed partial class PurgeGuard(string partition, StreamCacheOptions options, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly HashSet<TrackedCursor> _cursors = [];
    private readonly Dictionary<StreamId, long> _idleAfter = [];
    private int _generation;
    private long _walkingBound = long.MaxValue;
    private StreamId? _walkingHolder;
    private StreamId? _blockedBy;
    private long _blockedAt;
    private DateTimeOffset? _heldSince;
    private DateTimeOffset _lastHeldWarning;

    /// <summary>The partition's cache, set when the receiver creates it; gives the newest sequence number.</summary>
    public IPurgeObservable? Cache { get; set; }

    /// <summary>
    /// True while the last purge had to keep messages older than the cache age for a cursor: the receiver
    /// then reads no more, so the partition's events wait in Event Hubs rather than in this silo's memory.
    /// </summary>
    public bool IsHeld { get; private set; }

    /// <summary>Sequence number of the newest cached message; -1 while the cache is empty.</summary>
    public long NewestSequenceNumber => Cache is { IsEmpty: false, Newest: { } newest } ? newest.SequenceNumber : -1;

    /// <summary>
    /// Starts a new pulling agent's cursors. A partition's agent stops before another one starts on this
    /// silo, and any cursor of the old one it failed to dispose must not hold the cache from then on.
    /// </summary>
    public int NewGeneration()
    {
        lock (_gate)
        {
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

    /// <summary>Takes the cursors' positions for one purge.</summary>
    public void BeginPurge()
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
                        _walkingHolder = cursor.StreamId;
                    }
                }
                else if (!_idleAfter.TryGetValue(cursor.StreamId, out var after) || cursor.IdleAfter < after)
                {
                    _idleAfter[cursor.StreamId] = cursor.IdleAfter;
                }
            }
        }

        _blockedBy = null;
    }

    /// <summary>Whether <paramref name="message"/>, which the cache age would purge, may go.</summary>
    public bool MayPurge(in CachedMessage message)
    {
        if (message.SequenceNumber >= _walkingBound)
        {
            _blockedBy = _walkingHolder;
        }
        else if (_idleAfter.TryGetValue(message.StreamId, out var after) && message.SequenceNumber > after)
        {
            _blockedBy = message.StreamId;
        }
        else
        {
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

        IsHeld = true;
        StreamCacheInstruments.RecordHeldPurge(partition);
        _heldSince ??= now;
        if (now - _heldSince.Value >= options.MaxRelativeAge && now - _lastHeldWarning >= options.MaxRelativeAge)
        {
            _lastHeldWarning = now;
            LogHeld(logger, partition, (now - _heldSince.Value).TotalSeconds, stream, _blockedAt, options.MaxRelativeAge.TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} has read nothing new for {Seconds:F0} s: stream {StreamId} has not taken message {SequenceNumber} yet, which is older than the cache age ({MaxRelativeAgeSeconds} s, Pipeline:StreamCache:MaxRelativeAge). Its events wait in Event Hubs until that subscriber catches up; none is dropped")]
    private static partial void LogHeld(ILogger logger, string partition, double seconds, StreamId streamId, long sequenceNumber, double maxRelativeAgeSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} reads again: its slowest subscriber caught up after {Seconds:F0} s")]
    private static partial void LogResumed(ILogger logger, string partition, double seconds);
}
