using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// Wake-ups of caught-up cursors. Orleans' pulling agent starts a cursor that has caught up only when a read
/// returns a message of its stream, and then moves it to that read's first message of the stream; nothing
/// else wakes it. A wake-up it missed would leave the stream's last message undelivered until the stream's
/// next message, whose move would then skip it. The partition's receiver tells the guard what each read
/// returned (<see cref="Read"/>); a message still waiting for a cursor that did not move
/// <see cref="StreamCacheOptions.WakeAfter"/> later is woken again (<see cref="TakeWakes"/>), and no move
/// goes past a message the agent may not have woken a cursor for (<see cref="FirstUnwoken"/>).
/// </summary>
internal sealed partial class PurgeGuard
{
    // Per stream, the messages read since every cursor of the stream last had them all: from the first (the
    // earliest a cursor may still need) to the newest, and when the newest was read.
    private readonly Dictionary<StreamId, Unwoken> _unwoken = [];
    private readonly List<StreamId> _settled = [];
    private readonly List<StreamId> _woken = [];
    private DateTimeOffset _lastWakeCheck;
    private int _wakesWhileHeld;

    // Fault injection for tests: the stream whose next message read the agent is not told about, as if it had
    // missed the wake-up (the message is in the cache all the same: the Event Hubs receiver caches what it reads).
    private StreamId? _hideNext;

    // Set with _hideNext, read without the lock: a read when no test asked to hide one takes no lock for it.
    private volatile bool _hiding;

    /// <summary>For tests: the next read's messages of <paramref name="streamId"/> reach the cache but not the agent.</summary>
    internal void HideNextReadOf(StreamId streamId)
    {
        lock (_gate)
        {
            _hideNext = streamId;
            _hiding = true;
        }
    }

    /// <summary>For tests: the wake-ups this partition's guard sent while the partition was held (the meter counts every partition's wakes).</summary>
    internal int WakesWhileHeld => Volatile.Read(ref _wakesWhileHeld);

    /// <summary>For tests: whether the read <see cref="HideNextReadOf"/> asked for has happened.</summary>
    internal bool HidRead
    {
        get
        {
            lock (_gate)
            {
                return _hideNext is null;
            }
        }
    }

    /// <summary>The read without the messages <see cref="HideNextReadOf"/> asked to hide; the read itself when none.</summary>
    public IList<IBatchContainer> Hide(IList<IBatchContainer> messages)
    {
        if (!_hiding)
        {
            return messages;
        }

        lock (_gate)
        {
            if (_hideNext is not { } stream)
            {
                return messages;
            }

            if (!messages.Any(message => message?.StreamId == stream))
            {
                return messages;
            }

            _hideNext = null;
            _hiding = false;
            return [.. messages.Where(message => message?.StreamId != stream)];
        }
    }

    /// <summary>Starts the partition's <see cref="StreamCacheInstruments.WakesName"/> at 0, when a receiver that wakes opens it.</summary>
    public void StartWakes() => StreamCacheInstruments.StartWakes(partition);

    /// <summary>Records the messages of one read, on the agent's turn, before the agent wakes their streams' cursors.</summary>
    public void Read(IList<IBatchContainer> messages)
    {
        if (messages.Count > 0 && logger.IsEnabled(LogLevel.Debug))
        {
            LogRead(logger, partition, messages.Count, messages[0]?.SequenceToken?.SequenceNumber ?? -1, messages[^1]?.SequenceToken?.SequenceNumber ?? -1);
        }

        var now = Now;
        lock (_gate)
        {
            foreach (var message in messages)
            {
                if (message is null or WakeNotification || message.SequenceToken is not { } token)
                {
                    continue;
                }

                ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_unwoken, message.StreamId, out var exists);
                entry = exists
                    ? entry with { Newest = Math.Max(entry.Newest, token.SequenceNumber), ReadAt = now }
                    : new Unwoken(token, token.SequenceNumber, now, Wakes: 0);
            }
        }
    }

    /// <summary>
    /// <paramref name="token"/>, or the first message of <paramref name="streamId"/> read since its cursors last
    /// had every message read when that is earlier: where a move of a caught-up cursor may go without a skip.
    /// </summary>
    public StreamSequenceToken FirstUnwoken(StreamId streamId, StreamSequenceToken token)
    {
        lock (_gate)
        {
            return token is not null && _unwoken.TryGetValue(streamId, out var entry) && entry.First.SequenceNumber < token.SequenceNumber
                ? entry.First
                : token!;
        }
    }

    /// <summary>
    /// Notifications for the streams whose message read <see cref="StreamCacheOptions.WakeAfter"/> ago still waits
    /// for a cursor the agent left waiting; each is warned about. Checked at most twice per
    /// <see cref="StreamCacheOptions.WakeAfter"/>, over the cursors only when some stream's last read is that old.
    /// </summary>
    public List<IBatchContainer>? TakeWakes()
    {
        var now = Now;
        if (now - _lastWakeCheck < options.WakeAfter / 2)
        {
            return null;
        }

        _lastWakeCheck = now;
        List<IBatchContainer>? wakes = null;
        lock (_gate)
        {
            if (!AnyDue(now))
            {
                return null;
            }

            // Emptied first, so that a call an exception ended leaves nothing for this one.
            _settled.Clear();
            _woken.Clear();
            var waiting = new HashSet<StreamId>();
            foreach (var cursor in _cursors)
            {
                if (cursor.Generation == _generation
                    && _unwoken.TryGetValue(cursor.StreamId, out var entry)
                    && now - entry.ReadAt >= DueAfter(entry)
                    && cursor.Waits(entry.Newest, entry.ReadAt))
                {
                    waiting.Add(cursor.StreamId);
                }
            }

            foreach (var (stream, entry) in _unwoken)
            {
                if (now - entry.ReadAt < DueAfter(entry))
                {
                    continue;
                }

                if (!waiting.Contains(stream))
                {
                    // Every cursor has the stream's messages, or walks toward them, or there is none to wake.
                    if (entry.Wakes > 0)
                    {
                        LogWokenTook(logger, partition, stream, entry.Newest);
                    }

                    _settled.Add(stream);
                    continue;
                }

                if (entry.Wakes == 1)
                {
                    LogStillWaiting(logger, partition, stream, entry.Newest, (now - entry.ReadAt).TotalSeconds);
                }
                else if (entry.Wakes == 0)
                {
                    LogWaking(logger, partition, stream, entry.Newest, options.WakeAfter.TotalSeconds, entry.First.SequenceNumber);
                }

                StreamCacheInstruments.RecordWake(partition);
                if (IsHeld)
                {
                    Interlocked.Increment(ref _wakesWhileHeld);
                }

                (wakes ??= []).Add(new WakeNotification(stream, entry.First));
                _woken.Add(stream);
            }

            // Changed after the walk over the entries, not during it.
            foreach (var stream in _settled)
            {
                _unwoken.Remove(stream);
            }

            foreach (var stream in _woken)
            {
                // Never null: a woken stream is not a settled one.
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_unwoken, stream);
                entry = entry with { ReadAt = now, Wakes = entry.Wakes + 1 };
            }
        }

        return wakes;
    }

    /// <param name="Wakes">Wake-ups so far; each waits twice as long as the one before, up to <see cref="MostWakeBackoff"/> times <see cref="StreamCacheOptions.WakeAfter"/>.</param>
    /// <summary>
    /// Whether a wake-up is due now: a held partition reads nothing, and its receiver then returns only the
    /// wake-ups (<see cref="TrackingQueueCache.GetMaxAddCount"/>), since the message a missed wake-up left
    /// waiting is one the hold keeps.
    /// </summary>
    public bool WakeDue
    {
        get
        {
            var now = Now;
            if (now - _lastWakeCheck < options.WakeAfter / 2)
            {
                return false;
            }

            lock (_gate)
            {
                return AnyDue(now);
            }
        }
    }

    private bool AnyDue(DateTimeOffset now)
    {
        foreach (var entry in _unwoken.Values)
        {
            if (now - entry.ReadAt >= DueAfter(entry))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct Unwoken(StreamSequenceToken First, long Newest, DateTimeOffset ReadAt, int Wakes);

    // 64: a cursor the agent keeps waiting after its wake-ups (a consumer whose loop Orleans ended) is woken every
    // 5.3 minutes at the default 5 s, not every 5 s.
    private const int MostWakeBackoff = 64;

    private TimeSpan DueAfter(in Unwoken entry) => options.WakeAfter * Math.Min(1 << Math.Min(entry.Wakes, 6), MostWakeBackoff);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Partition {Partition} read {Count} messages, sequence numbers {First} to {Last}")]
    private static partial void LogRead(ILogger logger, string partition, int count, long first, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: stream {StreamId}'s message {SequenceNumber} was read {Seconds} s ago (Pipeline:StreamCache:WakeAfter), but the pulling agent left the stream's caught-up cursor waiting; the receiver wakes it from message {First}")]
    private static partial void LogWaking(ILogger logger, string partition, StreamId streamId, long sequenceNumber, double seconds, long first);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Partition}: stream {StreamId}'s message {SequenceNumber} still waits for its cursor {Seconds:F0} s after the receiver woke the stream; it wakes it again, each time twice as late. The message is kept in the cache and before the partition's checkpoint, so a restart of the silo reads it again")]
    private static partial void LogStillWaiting(ILogger logger, string partition, StreamId streamId, long sequenceNumber, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition}: stream {StreamId}'s cursor moved on to its messages through {SequenceNumber} once woken")]
    private static partial void LogWokenTook(ILogger logger, string partition, StreamId streamId, long sequenceNumber);
}
