using System.Runtime.InteropServices;
using Azure.Messaging.EventHubs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streaming.Derived;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// A partition's receiver cache keeps the pipeline's messages as the Event Hubs client read them: the cache entry holds
/// the offset alone, a delivery decodes the client's body without copying it, its bytes count against the cache
/// budget until the entry is purged or the cache disposed, and a user's stream item still goes into the cache's blocks.
/// Delivery end to end goes through this path in every processing test; these pin what it saves and what it must give
/// back. And a purge the guard makes on its own goes through the cache, which must stop filling a block it gave back.
/// </summary>
public sealed class CachedEventDataTests : IDisposable
{
    private const string Tenant = "acme";
    private const long Sequence = 42;
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private readonly byte[] _blocks = new byte[1 << 20];
    private int _used;

    [Fact]
    public void PipelineMessage_EntryHoldsTheOffset_DeliveryReadsTheClientsBody_RemovalGivesTheBytesBack()
    {
        var budget = new CacheBudget(1 << 20);
        var held = new CachedEventData(budget);
        var adapter = Adapter().ForCache(held);
        var body = Body(100_000);
        var cached = adapter.FromQueueMessage(Position(Sequence), Received(body, Sequence), DateTime.UtcNow, Segment);

        // The entry is the offset's few bytes, not the body's copy; the message counts against the budget instead.
        Assert.InRange(cached.Segment.Count, 1, 64);
        Assert.Equal(body.Length + CachedEventData.PerMessageBytes, budget.Held);
        Assert.Equal(Offset(Sequence), adapter.GetOffset(cached));

        var batch = Delivered(adapter, ref cached);
        Assert.True(MemoryMarshal.TryGetArray(batch.Frames, out var frames) && ReferenceEquals(frames.Array, body), "the delivery copied the body");
        Assert.Equal(Tenant, batch.TenantId);

        // A second delivery (a rewound cursor) reads the same bytes again.
        Assert.True(Delivered(adapter, ref cached).Frames.Span.SequenceEqual(body));

        Assert.Equal(body.Length + CachedEventData.PerMessageBytes, held.Remove(Sequence));
        Assert.Equal(0, budget.Held);
        var missing = Assert.Throws<InvalidOperationException>(() => adapter.GetBatchContainer(ref cached));
        Assert.Contains("without its body", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SmallPipelineMessage_GoesIntoTheBlocks_NothingHeld()
    {
        var budget = new CacheBudget(1 << 20);
        var held = new CachedEventData(budget);
        var adapter = Adapter().ForCache(held);
        var body = Body(CachedEventData.MinBodyBytes - 1);
        var cached = adapter.FromQueueMessage(Position(Sequence), Received(body, Sequence), DateTime.UtcNow, Segment);

        // Under the large-object threshold its copy per delivery is cheap, and the client's event is let go at once.
        Assert.True(cached.Segment.Count > body.Length, $"a {body.Length}-byte message took only {cached.Segment.Count} bytes of the blocks");
        Assert.Equal(0, held.Count);
        Assert.True(Delivered(adapter, ref cached).Frames.Span.SequenceEqual(body));
    }

    [Fact]
    public void UsersStreamItem_GoesIntoTheBlocks_NothingHeld()
    {
        var budget = new CacheBudget(1 << 20);
        var held = new CachedEventData(budget);
        var adapter = Adapter().ForCache(held);
        var payload = Body(1_000);
        var message = EventHubsModelFactory.EventData(
            new BinaryData(payload), new Dictionary<string, object>(), partitionKey: "user-key", sequenceNumber: Sequence, offsetString: Offset(Sequence), enqueuedTime: DateTimeOffset.UtcNow);
        var cached = adapter.FromQueueMessage(
            new StreamPosition(StreamId.Create("users", "user-key"), new EventHubSequenceTokenV2(Offset(Sequence), Sequence, 0)), message, DateTime.UtcNow, Segment);

        Assert.True(cached.Segment.Count > payload.Length, $"a user's item took {cached.Segment.Count} bytes of the blocks for a {payload.Length}-byte body");
        Assert.Equal(0, held.Count);
        Assert.Equal(0, budget.Held);
    }

    [Fact]
    public void SameSequenceNumberTwice_SecondCachedWhole_BothDeliver()
    {
        var held = new CachedEventData(new CacheBudget(1 << 20));
        var adapter = Adapter().ForCache(held);
        var body = Body(CachedEventData.MinBodyBytes);
        var first = adapter.FromQueueMessage(Position(Sequence), Received(body, Sequence), DateTime.UtcNow, Segment);
        var second = adapter.FromQueueMessage(Position(Sequence), Received(body, Sequence), DateTime.UtcNow, Segment);

        Assert.True(second.Segment.Count > body.Length, "the repeat was held too: purging the first would leave it without its body");
        held.Remove(Sequence);
        Assert.True(Delivered(adapter, ref second).Frames.Span.SequenceEqual(body));
        Assert.Throws<InvalidOperationException>(() => adapter.GetBatchContainer(ref first));
    }

    [Fact]
    public void EntriesPurged_TheirMessagesLeaveTheTableAndTheBudget()
    {
        // A budget of one byte: every delivered message may go at the next purge.
        var budget = new CacheBudget(1);
        var held = new CachedEventData(budget);
        var adapter = Adapter().ForCache(held);
        IEvictionStrategy eviction = new GuardedEvictionStrategy(Guard(), budget, NullLogger.Instance, NoAges, cacheMonitor: null, monitorWriteInterval: null, held);
        var cache = new PooledQueueCache(adapter, NullLogger.Instance, cacheMonitor: null, cacheMonitorWriteInterval: null);
        eviction.PurgeObservable = cache;
        var blocks = new BoundedBlockPool(1 << 16);
        FixedSizeBuffer? block = null;
        ArraySegment<byte> FromBlocks(int size)
        {
            if (block is null || !block.TryGetSegment(size, out var segment))
            {
                block = blocks.Allocate();
                eviction.OnBlockAllocated(block);
                Assert.True(block.TryGetSegment(size, out segment));
            }

            return segment;
        }

        var now = DateTime.UtcNow;
        cache.Add([.. Enumerable.Range(1, 3).Select(i => adapter.FromQueueMessage(Position(i), Received(Body(100_000), i), now, FromBlocks))], now);
        Assert.Equal(3, held.Count);
        Assert.Equal((3 * (100_000 + CachedEventData.PerMessageBytes)) + (1 << 16), budget.Held);

        eviction.PerformPurge(now);

        Assert.True(cache.IsEmpty, "the purge kept a message: the test did not reach the path it names");
        Assert.Equal(0, held.Count);
        Assert.Equal(0, budget.Held);
    }

    [Fact]
    public void CacheDisposed_HeldMessagesAndBlocksLeaveTheBudget_ItsPurgeDoesNothingAfter()
    {
        var budget = new CacheBudget(1 << 20);
        var held = new CachedEventData(budget);
        IEvictionStrategy eviction = new GuardedEvictionStrategy(Guard(), budget, NullLogger.Instance, NoAges, cacheMonitor: null, monitorWriteInterval: null, held);
        eviction.PurgeObservable = new PooledQueueCache(Adapter().ForCache(held), NullLogger.Instance, cacheMonitor: null, cacheMonitorWriteInterval: null);
        eviction.OnPurged = static (_, _) => { };
        Assert.True(held.TryAdd(Received(Body(50_000), Sequence)));
        eviction.OnBlockAllocated(new FixedSizeBuffer(1 << 16));
        Assert.Equal(50_000 + CachedEventData.PerMessageBytes + (1 << 16), budget.Held);

        // Orleans' cache clears the callback when disposed: its receiver stopped, and nothing it held is read again.
        eviction.OnPurged = null;
        Assert.Equal(0, held.Count);
        Assert.Equal(0, budget.Held);

        // A guard that still has this cache's purge bound (until the partition's next cache binds its own) adds nothing back.
        eviction.PerformPurge(DateTime.UtcNow);
        Assert.Equal(0, budget.Held);
    }

    [Fact]
    public void GuardEmptiesTheCache_ItsNextMessageGoesIntoABlockItTook_NotOneAnotherCacheGetsBack()
    {
        var serializer = _services.GetRequiredService<Serializer<MemoryMessageBody>>();
        var blocks = new BoundedBlockPool(1 << 16);
        var guard = Guard();
        var cache = new DerivedQueueCache(
            blocks, new GuardedEvictionStrategy(guard, new CacheBudget(1), NullLogger.Instance, NoAges, cacheMonitor: null, monitorWriteInterval: null), serializer, NullLogger.Instance);
        var stream = StreamId.Create("ordered", "acme#0");
        cache.AddToCache([Dequeued(serializer, stream, 1, "first")]);

        // A held partition's guard purges on its own. Nothing needs the message, and the cache is over its budget of one
        // byte: the purge empties the cache, which gives its block back to the pool.
        guard.RetryPurge();
        cache.AddToCache([Dequeued(serializer, stream, 2, "second")]);

        // Another queue's cache takes a block from the pool and gives it back (its own purge); then this cache writes on.
        blocks.Allocate().Dispose();
        cache.AddToCache([Dequeued(serializer, stream, 3, "third!")]);

        // Had the cache gone on filling the block it gave back, the other cache's turn would have reset it, and the third
        // message written over the second.
        Assert.Equal(["second", "third!"], Read(cache, stream, 2, 2));
    }

    public void Dispose() => _services.Dispose();

    private PipelineEventHubDataAdapter Adapter() =>
        new(_services.GetRequiredService<Serializer>(), new HubPartitions(_services), NullLogger<PipelineEventHubDataAdapter>.Instance);

    private static byte[] Body(int length)
    {
        var body = new byte[length];
        Random.Shared.NextBytes(body);
        return body;
    }

    private static readonly TimePurgePredicate NoAges = new(TimeSpan.Zero, TimeSpan.Zero);

    private static PurgeGuard Guard() => new("0", new StreamCacheOptions(), PurgeGuardWording.EventHubs, TimeProvider.System, NullLogger.Instance);

    private static string Offset(long sequence) => (sequence * 100).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static EventData Received(byte[] body, long sequence)
    {
        var sent = RawBatchCodec.ToEventData(new RawEventBatch(Tenant, Guid.NewGuid(), DateTimeOffset.UtcNow, EventKind.Text, 0, 3, body), PipelineStreams.Raw);
        return EventHubsModelFactory.EventData(
            new BinaryData(body), sent.Properties, partitionKey: Tenant, sequenceNumber: sequence, offsetString: Offset(sequence), enqueuedTime: DateTimeOffset.UtcNow);
    }

    private static StreamPosition Position(long sequence) => new(StreamId.Create(PipelineStreams.Raw, Tenant), new EventHubSequenceTokenV2(Offset(sequence), sequence, 0));

    private static DequeuedMessage Dequeued(Serializer<MemoryMessageBody> serializer, StreamId stream, long sequence, string item) =>
        new(new DerivedMessage(stream, serializer.SerializeToArray(new MemoryMessageBody([item], null)), sequence, DateTime.UtcNow));

    /// <summary>The items of <paramref name="count"/> messages of <paramref name="stream"/> from <paramref name="first"/> on.</summary>
    private static List<string> Read(IQueueCache cache, StreamId stream, long first, int count)
    {
        var result = cache.TryGetCacheCursor(stream, new EventSequenceTokenV2(first));
        Assert.Equal(QueueCacheCursorResultKind.Success, result.Kind);
        using var cursor = result.Cursor!;
        var items = new List<string>();
        while (items.Count < count && cursor.MoveNextWithResult().Kind == QueueCacheCursorMoveResultKind.Success)
        {
            items.AddRange(cursor.GetCurrent(out _)!.GetEvents<string>().Select(static e => e.Item1));
        }

        return items;
    }

    private static RawEventBatch Delivered(PipelineEventHubDataAdapter adapter, ref CachedMessage cached) =>
        Assert.Single(adapter.GetBatchContainer(ref cached).GetEvents<RawEventBatch>()).Item1;

    private ArraySegment<byte> Segment(int size)
    {
        var segment = new ArraySegment<byte>(_blocks, _used, size);
        _used += size;
        return segment;
    }
}
