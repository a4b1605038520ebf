using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// A cursor of the receiver cache that tells its <see cref="PurgeGuard"/> where it is: walking (every
/// message from the one it returned last is kept) or caught up (its own stream's messages newer than where
/// it stopped are kept). The agent disposes it when it lets the cursor go, which releases what it kept.
/// </summary>
internal sealed partial class TrackedCursor : IQueueCacheCursor
{
    private readonly PurgeGuard _guard;
    private readonly IQueueCache _cache;
    private readonly ILogger _logger;
    private IQueueCacheCursor _inner;
    private long _lastReturned;
    private long _skipThrough = long.MinValue;

    // The last move returned a message: the agent is delivering it and asks again when done, no wake-up needed.
    private bool _delivering;

    private TrackedCursor(PurgeGuard guard, int generation, IQueueCache cache, StreamId streamId, IQueueCacheCursor inner, long? walkingFrom, long lastReturned, ILogger logger)
    {
        _guard = guard;
        _cache = cache;
        _logger = logger;
        _inner = inner;
        Generation = generation;
        StreamId = streamId;
        WalkingFrom = walkingFrom;
        _lastReturned = lastReturned;
        IdleAfter = lastReturned;
        LastMoved = guard.Now;
        guard.Add(this);
    }

    public StreamId StreamId { get; }

    public int Generation { get; }

    /// <summary>Set while walking: the lowest sequence number the cursor may still read or compare against.</summary>
    public long? WalkingFrom { get; private set; }

    /// <summary>While caught up: the stream's messages after this sequence number are still to be returned.</summary>
    public long IdleAfter { get; private set; }

    /// <summary>When the agent last asked this cursor for a message: tells a slow subscriber from a forgotten cursor.</summary>
    public DateTimeOffset LastMoved { get; private set; }

    /// <summary>A cursor at <paramref name="token"/>: the cache returns from the message at that position on.</summary>
    public static TrackedCursor At(PurgeGuard guard, int generation, IQueueCache cache, StreamId streamId, StreamSequenceToken token, IQueueCacheCursor inner, ILogger logger) =>
        new(guard, generation, cache, streamId, inner, token.SequenceNumber, token.SequenceNumber - 1, logger);

    /// <summary>A cursor at the newest message: only what comes after it is the stream's.</summary>
    public static TrackedCursor AtNewest(PurgeGuard guard, int generation, IQueueCache cache, StreamId streamId, IQueueCacheCursor inner, ILogger logger) =>
        new(guard, generation, cache, streamId, inner, null, guard.NewestSequenceNumber, logger);

    /// <summary>A cursor at the stream's oldest cached message: all of the stream's messages are still to come.</summary>
    public static TrackedCursor AtEarliest(PurgeGuard guard, int generation, IQueueCache cache, StreamId streamId, IQueueCacheCursor inner, ILogger logger) =>
        new(guard, generation, cache, streamId, inner, null, long.MinValue, logger);

    /// <summary>
    /// In place of a cursor at <paramref name="token"/> that the cache could not place (its position was
    /// purged and the cache forgot the stream's last purged message): from the stream's oldest cached
    /// message, skipping those before the token. Only when the guard kept every message of the stream from
    /// the token on, so it is the cursor the agent asked for.
    /// </summary>
    public static TrackedCursor Resumed(PurgeGuard guard, int generation, IQueueCache cache, StreamId streamId, StreamSequenceToken token, IQueueCacheCursor earliest, ILogger logger) =>
        new(guard, generation, cache, streamId, earliest, null, token.SequenceNumber - 1, logger) { _skipThrough = token.SequenceNumber - 1 };

    public IBatchContainer? GetCurrent(out Exception? exception) => _inner.GetCurrent(out exception);

    [Obsolete("Use MoveNextWithResult instead.")]
    public bool MoveNext()
    {
        return CursorResults.MovedOrThrow(MoveNextWithResult());
    }

    public QueueCacheCursorMoveResult MoveNextWithResult()
    {
        LastMoved = _guard.Now;
        var result = NextUnskipped();
        if (result.CacheMiss is { } miss)
        {
            result = Recover(miss);
        }

        _delivering = result.Kind == QueueCacheCursorMoveResultKind.Success;
        if (_delivering && _inner.GetCurrent(out _) is { } current)
        {
            _lastReturned = current.SequenceToken.SequenceNumber;
            WalkingFrom = _lastReturned;
        }
        else if (result.Kind == QueueCacheCursorMoveResultKind.NoData)
        {
            // Caught up: nothing of this stream up to the newest message is left for it (a cursor waiting
            // for a position past the newest message still wants that position).
            IdleAfter = Math.Max(Math.Max(_lastReturned, IdleAfter), _guard.NewestSequenceNumber);
            WalkingFrom = null;
        }

        return result;
    }

    /// <summary>
    /// Whether the agent left this cursor waiting since <paramref name="since"/> though message
    /// <paramref name="sequenceNumber"/> of its stream, read by then, is still to be returned: it is not
    /// delivering a message, and has neither moved nor returned that one since.
    /// </summary>
    public bool Waits(long sequenceNumber, DateTimeOffset since) =>
        !_delivering && LastMoved <= since && _lastReturned < sequenceNumber && (WalkingFrom is not null || IdleAfter < sequenceNumber);

    public void Refresh(StreamSequenceToken token)
    {
        // The agent moves a caught-up cursor to the first message of its stream in each read. Had it missed an
        // earlier read's message (the wake-up the guard makes up for), that move would skip it: the stream's
        // first message the agent may not have woken this cursor for comes first.
        var first = _guard.FirstUnwoken(StreamId, token);
        try
        {
            _inner.Refresh(first);
        }
        catch (QueueCacheMissException) when (!ReferenceEquals(first, token))
        {
            // The stream's first unwoken message was purged (the guard keeps it only while a cursor needs it, so no
            // cursor of this stream did): the agent's own move, as without the guard.
            first = token;
            _inner.Refresh(token);
        }

        token = first;
        // The cache moves a caught-up cursor to a newer message of its stream, which it returns next.
        if (WalkingFrom is null && token is not null && token.SequenceNumber > IdleAfter)
        {
            WalkingFrom = token.SequenceNumber;
        }
    }

    public void RecordDeliveryFailure() => _inner.RecordDeliveryFailure();

    public void Dispose()
    {
        _guard.Remove(this);
        _inner.Dispose();
    }

    /// <summary>The inner cursor's next message after those this cursor must skip (already returned before a restart).</summary>
    private QueueCacheCursorMoveResult NextUnskipped()
    {
        while (true)
        {
            var result = _inner.MoveNextWithResult();
            if (result.Kind != QueueCacheCursorMoveResultKind.Success
                || _inner.GetCurrent(out _) is not { } current
                || current.SequenceToken.SequenceNumber > _skipThrough)
            {
                return result;
            }
        }
    }

    /// <summary>
    /// The cache no longer holds this cursor's position. Only a caught-up cursor gets here by design (the
    /// cache checks its stopping point against the stream's last purged message, which it forgets after
    /// 10 minutes); the guard kept the stream's newer messages, so a cursor from the stream's oldest cached
    /// message that skips what was returned goes on without a gap or a repeat.
    /// </summary>
    private QueueCacheCursorMoveResult Recover(QueueCacheMissInfo miss)
    {
        var after = WalkingFrom is null ? IdleAfter : _lastReturned;
        if (WalkingFrom is not null)
        {
            LogWalkingMiss(_logger, StreamId, after, miss.Low, miss.High);
        }

        var restart = _cache.TryGetCacheCursorAtPosition(StreamId, StreamSubscriptionStartPosition.EarliestAvailable);
        if (restart.Kind != QueueCacheCursorResultKind.Success || restart.Cursor is not { } cursor)
        {
            return QueueCacheCursorMoveResult.FromCacheMiss(miss);
        }

        _inner.Dispose();
        _inner = cursor;
        _skipThrough = after;
        return NextUnskipped();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The receiver cache lost the position of a walking cursor of stream {StreamId} after message {SequenceNumber} (cache holds {Low} to {High}); it goes on from the stream's oldest cached message after it. This should not happen: messages between may not have been delivered")]
    private static partial void LogWalkingMiss(ILogger logger, StreamId streamId, long sequenceNumber, string? low, string? high);
}
