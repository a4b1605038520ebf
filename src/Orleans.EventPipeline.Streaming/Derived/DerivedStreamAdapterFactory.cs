using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streaming.Delivery;
using Orleans.Providers;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// The in-cluster stream provider of the derived streams, in place of Orleans' memory streams: the same
/// shape (queue grains between publishers and each queue's pulling agent, a pooled cache per queue) with
/// memory bounded by bytes at both ends — queues by <see cref="DerivedStreamOptions.MaxQueueBytes"/>, the
/// silo's caches by <see cref="DerivedStreamOptions.MaxCacheBytes"/> — each hop on queues of its own
/// (<see cref="DerivedQueueMapper"/>), and no message skipped: the cache
/// keeps what a subscriber has not taken (<see cref="PurgeGuard"/>) and stops reading while it must, and a
/// failed delivery is retried rather than given to Orleans' default handler, which moves on.
/// </summary>
public sealed class DerivedStreamAdapterFactory : IQueueAdapterFactory, IQueueAdapter, IQueueAdapterCache
{
    private static readonly PurgeGuardWording Wording = new(
        $"Pipeline:DerivedStreams:{nameof(DerivedStreamOptions.MaxCacheBytes)}",
        $"Its messages wait in the derived queue until that subscriber catches up; once the queue is at Pipeline:DerivedStreams:{nameof(DerivedStreamOptions.MaxQueueBytes)} its publishers wait, and are refused and retry after {DerivedStreamOptions.EnqueueWait.TotalSeconds} s");

    private readonly IGrainFactory _grains;
    private readonly Serializer<MemoryMessageBody> _serializer;
    private readonly ILoggerFactory _loggers;
    private readonly PurgeGuards _guards;
    private readonly TimePurgePredicate _ages;
    private readonly DerivedQueueMapper _mapper;
    private readonly Task<IStreamFailureHandler> _failureHandler;
    private readonly BoundedBlockPool _blocks = new(DerivedStreamOptions.BlockBytes);

    private DerivedStreamAdapterFactory(string name, IReadOnlyList<string> hops, IServiceProvider services)
    {
        Name = name;
        _grains = services.GetRequiredService<IGrainFactory>();
        _serializer = services.GetRequiredService<Serializer<MemoryMessageBody>>();
        _loggers = services.GetRequiredService<ILoggerFactory>();
        var cache = services.GetRequiredService<IOptions<StreamCacheOptions>>().Value;
        var derived = services.GetRequiredService<IOptions<DerivedStreamOptions>>().Value;
        var budget = new StreamCacheOptions { MinTimeInCache = cache.MinTimeInCache, MaxRelativeAge = cache.MaxRelativeAge, WakeAfter = cache.WakeAfter, MaxBytes = derived.MaxCacheBytes };
        _guards = new PurgeGuards(budget, Wording, services.GetService<TimeProvider>() ?? TimeProvider.System, _loggers);
        _ages = new TimePurgePredicate(cache.MinTimeInCache, cache.MaxRelativeAge);
        _mapper = new DerivedQueueMapper(name, hops);
        _failureHandler = Task.FromResult<IStreamFailureHandler>(new PipelineStreamFailureHandler(services.GetRequiredService<ILogger<PipelineStreamFailureHandler>>()));
        StreamCacheInstruments.ObserveBytes(services.GetRequiredService<IMeterFactory>(), StreamCacheInstruments.DerivedBytesName, _guards.Budget);
    }

    public string Name { get; }

    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    /// <param name="hops">Namespaces whose streams get queues of their own (<see cref="DerivedQueueMapper"/>): each stage's input.</param>
    public static DerivedStreamAdapterFactory Create(IServiceProvider services, string name, IReadOnlyList<string> hops) => new(name, hops, services);

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public IQueueAdapterCache GetQueueAdapterCache() => this;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => _failureHandler;

    /// <summary>
    /// Serializes the items once and appends them to the stream's queue. A message larger than a cache
    /// block is refused here, where the publisher can act on it, not in the receiver, where it would be lost.
    /// </summary>
    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        ArgumentNullException.ThrowIfNull(events);
        var payload = _serializer.SerializeToArray(new MemoryMessageBody(events.Cast<object>(), requestContext));
        if (SegmentBuilder.CalculateAppendSize(payload) > DerivedStreamOptions.BlockBytes)
        {
            throw new DerivedMessageTooLargeException($"A message of {payload.Length} bytes for derived stream {streamId} is over the {DerivedStreamOptions.BlockBytes} bytes a derived stream message may take: publish its items in smaller parts.");
        }

        return QueueOf(_mapper.GetQueueForStream(streamId)).Enqueue(new DerivedMessage(streamId, payload, 0, default));
    }

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new DerivedQueueReceiver(QueueOf(queueId));

    public IQueueCache CreateQueueCache(QueueId queueId)
    {
        var guard = _guards.For(Name, queueId.ToString());
        var logger = _loggers.CreateLogger($"{typeof(DerivedQueueCache).FullName}.{Name}.{queueId}");
        var eviction = new GuardedEvictionStrategy(guard, _guards.Budget, logger, _ages, cacheMonitor: null, monitorWriteInterval: null);
        return new TrackingQueueCache(new DerivedQueueCache(_blocks, eviction, _serializer, logger), guard, logger);
    }

    private IDerivedQueueGrain QueueOf(QueueId queueId) => _grains.GetGrain<IDerivedQueueGrain>($"{Name}/{queueId}");
}
