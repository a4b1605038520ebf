using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// The receiver cache Orleans' pulling agent reads one partition through, with every cursor it hands out
/// tracked by the partition's <see cref="PurgeGuard"/>, and no reading while the guard holds the purge.
/// </summary>
internal sealed partial class TrackingQueueCache : IQueueCache
{
    private readonly IQueueCache _inner;
    private readonly PurgeGuard _guard;
    private readonly ILogger _logger;
    private readonly int _generation;

    public TrackingQueueCache(IQueueCache inner, PurgeGuard guard, ILogger logger)
    {
        _inner = inner;
        _guard = guard;
        _logger = logger;
        _generation = guard.NewGeneration();
    }

    /// <summary>None while a cursor keeps messages older than the cache age: they wait in Event Hubs instead of memory.</summary>
    public int GetMaxAddCount()
    {
        if (_guard.IsHeld)
        {
            // The agent asks this before each read and purges only when it reads, so a held partition
            // would never purge again: try here whether the slow cursor has moved on.
            _guard.RetryPurge();
        }

        // Held, it still takes a read of wake-ups when one is due: the receiver then returns only those.
        return !_guard.IsHeld ? _inner.GetMaxAddCount() : _guard.WakeDue ? 1 : 0;
    }

    public bool IsUnderPressure() => GetMaxAddCount() <= 0;

    public void AddToCache(IList<IBatchContainer> messages) => _inner.AddToCache(messages);

    public bool TryPurgeFromCache([MaybeNullWhen(false)] out IList<IBatchContainer> purgedItems) => _inner.TryPurgeFromCache(out purgedItems);

    public void UpdateDeliveryProgress(StreamSequenceToken? earliestSubscriptionToken, DateTime utcNow) => _inner.UpdateDeliveryProgress(earliestSubscriptionToken, utcNow);

    [Obsolete("Use TryGetCacheCursor instead.")]
    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        return CursorResults.CursorOrThrow(TryGetCacheCursor(streamId, token));
    }

    public QueueCacheCursorResult<IQueueCacheCursor> TryGetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        var result = _inner.TryGetCacheCursor(streamId, token);
        if (result.CacheMiss is { } miss && token is not null)
        {
            return Resume(streamId, token, miss);
        }

        if (result.Kind != QueueCacheCursorResultKind.Success || result.Cursor is not { } cursor)
        {
            return result;
        }

        return QueueCacheCursorResult<IQueueCacheCursor>.FromCursor(token is null
            ? TrackedCursor.AtNewest(_guard, _generation, _inner, streamId, cursor, _logger)
            : TrackedCursor.At(_guard, _generation, _inner, streamId, token, cursor, _logger));
    }

    /// <summary>
    /// A cursor at a token the cache cannot place: its message was purged and the cache forgot when it
    /// last purged the stream (10 minutes on). Orleans would fall back to the newest message and skip the
    /// stream's messages the guard kept; when nothing of the stream from the token on was purged, the
    /// stream's oldest cached message is where the token's cursor would be.
    /// </summary>
    private QueueCacheCursorResult<IQueueCacheCursor> Resume(StreamId streamId, StreamSequenceToken token, QueueCacheMissInfo miss)
    {
        if (!_guard.KeptFrom(streamId, token.SequenceNumber))
        {
            LogPurgedBeforeCursor(_logger, streamId, token.SequenceNumber, miss.Low, miss.High);
            return QueueCacheCursorResult<IQueueCacheCursor>.FromCacheMiss(miss);
        }

        var earliest = _inner.TryGetCacheCursorAtPosition(streamId, StreamSubscriptionStartPosition.EarliestAvailable);
        return earliest.Kind == QueueCacheCursorResultKind.Success && earliest.Cursor is { } cursor
            ? QueueCacheCursorResult<IQueueCacheCursor>.FromCursor(TrackedCursor.Resumed(_guard, _generation, _inner, streamId, token, cursor, _logger))
            : QueueCacheCursorResult<IQueueCacheCursor>.FromCacheMiss(miss);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A cursor of stream {StreamId} was asked for at message {SequenceNumber}, but the stream's messages from there on were purged before (cache holds {Low} to {High}); Orleans places it at the newest message. Messages between may not have been delivered by this silo; the checkpoint holds of its subscriber replay them after a restart")]
    private static partial void LogPurgedBeforeCursor(ILogger logger, StreamId streamId, long sequenceNumber, string? low, string? high);

    public QueueCacheCursorResult<IQueueCacheCursor> TryGetCacheCursorAtPosition(StreamId streamId, StreamSubscriptionStartPosition startPosition)
    {
        if (startPosition == StreamSubscriptionStartPosition.Latest)
        {
            return TryGetCacheCursor(streamId, null);
        }

        var result = _inner.TryGetCacheCursorAtPosition(streamId, startPosition);
        return result.Kind == QueueCacheCursorResultKind.Success && result.Cursor is { } cursor
            ? QueueCacheCursorResult<IQueueCacheCursor>.FromCursor(TrackedCursor.AtEarliest(_guard, _generation, _inner, streamId, cursor, _logger))
            : result;
    }
}
