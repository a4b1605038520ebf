using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// Orleans' older cache-cursor calls (<c>GetCacheCursor</c>, <c>MoveNext</c>) in terms of the result-returning
/// ones, for the caches and cursors that implement both: a cache miss is thrown as Orleans' own exception.
/// </summary>
internal static class CursorResults
{
    public static IQueueCacheCursor CursorOrThrow(QueueCacheCursorResult<IQueueCacheCursor> result) =>
        result.Kind == QueueCacheCursorResultKind.Success
            ? result.Cursor!
            : throw (result.CacheMiss is { } miss ? miss.ToException() : new InvalidOperationException($"Unexpected cursor result: {result.Kind}."));

    public static bool MovedOrThrow(QueueCacheCursorMoveResult result) =>
        result.Kind == QueueCacheCursorMoveResultKind.Success
        || (result.CacheMiss is { } miss ? throw miss.ToException() : false);
}
