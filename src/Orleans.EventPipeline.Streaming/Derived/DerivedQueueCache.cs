using System.Diagnostics.CodeAnalysis;
using Orleans.EventPipeline.Streaming.Caching;
using Microsoft.Extensions.Logging;
using Orleans.Providers;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// One derived queue's cache in the pulling agent: each message's bytes copied once into the silo's
/// pooled blocks, evicted by a <see cref="Caching.GuardedEvictionStrategy"/> (ages, the silo's derived
/// byte budget, and never a message a cursor still needs), and deserialized for each delivery.
/// </summary>
internal sealed class DerivedQueueCache : IQueueCache, ICacheDataAdapter
{
    /// <summary>Messages the agent takes from the queue per read.</summary>
    private const int ReadBatchSize = 100;

    private readonly IObjectPool<FixedSizeBuffer> _blocks;
    private readonly IEvictionStrategy _eviction;
    private readonly Serializer<MemoryMessageBody> _serializer;
    private readonly PooledQueueCache _cache;
    private FixedSizeBuffer? _block;

    public DerivedQueueCache(IObjectPool<FixedSizeBuffer> blocks, IEvictionStrategy eviction, Serializer<MemoryMessageBody> serializer, ILogger logger)
    {
        _blocks = blocks;
        _eviction = eviction;
        _serializer = serializer;
        _cache = new PooledQueueCache(this, logger, cacheMonitor: null, cacheMonitorWriteInterval: null);
        _eviction.PurgeObservable = _cache;
        if (eviction is Caching.GuardedEvictionStrategy guarded)
        {
            // Through this cache, which forgets the block it fills once a purge empties it.
            guarded.PurgeThrough(() => TryPurgeFromCache(out _));
        }
    }

    public int GetMaxAddCount() => ReadBatchSize;

    public bool IsUnderPressure() => false;

    public void AddToCache(IList<IBatchContainer> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var now = DateTime.UtcNow;
        var cached = new List<CachedMessage>(messages.Count);
        foreach (var batch in messages)
        {
            var message = ((DequeuedMessage)batch).Message;
            cached.Add(new CachedMessage
            {
                StreamId = message.StreamId,
                SequenceNumber = message.SequenceNumber,
                EnqueueTimeUtc = message.EnqueueTimeUtc,
                DequeueTimeUtc = now,
                Segment = Copy(message.Payload),
            });
        }

        _cache.Add(cached, now);
    }

    public bool TryPurgeFromCache([MaybeNullWhen(false)] out IList<IBatchContainer> purgedItems)
    {
        purgedItems = null;
        _eviction.PerformPurge(DateTime.UtcNow);
        if (_cache.IsEmpty)
        {
            // The eviction gave every block back, the one being filled too.
            _block = null;
        }

        return false;
    }

    [Obsolete("Use TryGetCacheCursor instead.")]
    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        return CursorResults.CursorOrThrow(((IQueueCache)this).TryGetCacheCursor(streamId, token));
    }

    QueueCacheCursorResult<IQueueCacheCursor> IQueueCache.TryGetCacheCursor(StreamId streamId, StreamSequenceToken? token) =>
        Wrap(_cache.TryGetCursor(streamId, token));

    QueueCacheCursorResult<IQueueCacheCursor> IQueueCache.TryGetCacheCursorAtPosition(StreamId streamId, StreamSubscriptionStartPosition startPosition) =>
        Wrap(_cache.TryGetCursorAtPosition(streamId, startPosition));

    public IBatchContainer GetBatchContainer(ref CachedMessage cachedMessage)
    {
        var offset = 0;
        var payload = SegmentBuilder.ReadNextBytes(cachedMessage.Segment, ref offset);
        // Deserialized now: the block under the segment is reused once the message is purged.
        var body = _serializer.Deserialize(payload)
            ?? throw new InvalidOperationException($"Derived message {cachedMessage.SequenceNumber} of {cachedMessage.StreamId} has no body.");
        return new DerivedBatchContainer(cachedMessage.StreamId, new EventSequenceTokenV2(cachedMessage.SequenceNumber), body.Events, body.RequestContext);
    }

    public StreamSequenceToken GetSequenceToken(ref CachedMessage cachedMessage) => new EventSequenceTokenV2(cachedMessage.SequenceNumber);

    private ArraySegment<byte> Copy(byte[] payload)
    {
        var size = SegmentBuilder.CalculateAppendSize(payload);
        if (_block is null || !_block.TryGetSegment(size, out var segment))
        {
            var block = _blocks.Allocate();
            if (!block.TryGetSegment(size, out segment))
            {
                // The adapter refuses such a message when it is published; one that gets here is a bug.
                block.Dispose();
                throw new InvalidOperationException($"A derived message of {payload.Length} bytes does not fit a cache block of {DerivedStreamOptions.BlockBytes} bytes.");
            }

            _block = block;
            _eviction.OnBlockAllocated(block);
        }

        var written = 0;
        SegmentBuilder.Append(segment, ref written, payload);
        return segment;
    }

    private QueueCacheCursorResult<IQueueCacheCursor> Wrap(QueueCacheCursorResult<object> result) => result.Kind switch
    {
        QueueCacheCursorResultKind.Success => QueueCacheCursorResult<IQueueCacheCursor>.FromCursor(new Cursor(_cache, result.Cursor!)),
        QueueCacheCursorResultKind.CacheMiss => QueueCacheCursorResult<IQueueCacheCursor>.FromCacheMiss(result.CacheMiss!.Value),
        QueueCacheCursorResultKind.NotSupported => QueueCacheCursorResult<IQueueCacheCursor>.NotSupported,
        _ => throw new InvalidOperationException($"Unexpected cursor result: {result.Kind}."),
    };

    private sealed class Cursor(PooledQueueCache cache, object position) : IQueueCacheCursor
    {
        private IBatchContainer? _current;

        public IBatchContainer? GetCurrent(out Exception? exception)
        {
            exception = null;
            return _current;
        }

        [Obsolete("Use MoveNextWithResult instead.")]
        public bool MoveNext()
        {
            return CursorResults.MovedOrThrow(MoveNextWithResult());
        }

        public QueueCacheCursorMoveResult MoveNextWithResult()
        {
            var result = cache.TryGetNextMessageWithResult(position, out var message);
            _current = result.Kind == QueueCacheCursorMoveResultKind.Success ? message : null;
            return result;
        }

        public void Refresh(StreamSequenceToken token) => cache.Refresh(position, token);

        public void RecordDeliveryFailure()
        {
        }

        public void Dispose()
        {
        }
    }
}
