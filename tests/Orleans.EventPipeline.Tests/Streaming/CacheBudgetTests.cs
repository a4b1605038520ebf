using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Runtime.Providers;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// The receiver cache is bounded by bytes, not only by age. With ages of half an hour, one stream's
/// deliveries fail while another stream of the same partition posts 2.5 times the silo's cache budget:
/// the cache must stop reading near the budget (a held purge) instead of growing with what was posted,
/// and once the stuck stream is taken again every message must arrive, once.
/// </summary>
public sealed class CacheBudgetTests
{
    private static readonly StreamCacheOptions LongAgesSmallBudget = new()
    {
        MinTimeInCache = StreamCacheOptions.Longest,
        MaxRelativeAge = StreamCacheOptions.Longest,
        MaxBytes = StreamCacheOptions.LeastMaxBytes,
    };

    private const int MessageBytes = 4 << 10;
    private const int Concurrency = 32;

    // Orleans' receiver reads at most 1,000 messages at once and checks the cache before each read, so the
    // cache may pass the budget by one read of these messages, plus a partly used block.
    private const long OneReadSlack = (1_000L * (MessageBytes + 512)) + (1L << 20);

    [Fact]
    public async Task StuckSubscriber_PostingTwiceTheBudget_CacheStaysNearBudget_EveryMessageArrivesOnce()
    {
        using var data = new TempDirectory();
        await using var emulator = await PipelineStreamsCluster.StartEmulatorAsync(data.Path, partitionCount: 1);

        using var readings = new StreamCacheReadings();

        var run = Guid.NewGuid().ToString("N");
        var slowKey = run + "-slow";
        var fastKey = run + "-fast";
        GatedSubscriberGrain.Close(slowKey);
        await using var cluster = await PipelineStreamsCluster.StartAsync("cache-budget-test", data.Path, emulator, LongAgesSmallBudget, static silo =>
            silo.Services.AddKeyedSingleton<IMessageDeliveryBackoffProvider>(PipelineStreams.ProviderName, new FixedBackoff(TimeSpan.FromMilliseconds(100))));
        var provider = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName);
        var slow = provider.GetStream<string>(StreamId.Create(SlowSubscriberCacheTests.Namespace, slowKey));
        var fast = provider.GetStream<string>(StreamId.Create(SlowSubscriberCacheTests.Namespace, fastKey));
        await slow.OnNextAsync("slow-0");

        var count = (int)(LongAgesSmallBudget.MaxBytes * 5 / 2 / MessageBytes);
        var padding = new string('x', MessageBytes - 16);
        var fastSent = Enumerable.Range(0, count).Select(i => $"fast-{i:D6}-{padding}").ToArray();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                readings.Sample();
                await Task.Delay(20, CancellationToken.None);
            }
        });

        await Parallel.ForEachAsync(fastSent, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (item, _) => await fast.OnNextAsync(item));

        // Everything is posted; the stuck stream's first message keeps the partition's cache from purging
        // what came after it, so the partition must be held near the budget.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (readings.Holds == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no held purge within 60 s of posting {count} messages of {MessageBytes} bytes; cache at {readings.Bytes} bytes");
            await Task.Delay(20);
        }

        var heldAt = ReceivedEvents.Of(fastKey).Count;
        Assert.True(heldAt < count, $"all {count} messages were read into the cache although it was held");

        GatedSubscriberGrain.Open(slowKey);
        var slowReceived = await ReceivedEvents.WaitAsync(slowKey, static r => r.Count >= 1, TimeSpan.FromSeconds(60));
        var fastReceived = await ReceivedEvents.WaitAsync(fastKey, r => r.Count >= count, TimeSpan.FromSeconds(120));
        await sampling.CancelAsync();
        await sampler;

        Assert.Equal(["slow-0"], slowReceived);
        Assert.Equal(count, fastReceived.Count);
        Assert.Equal(fastSent.Order(StringComparer.Ordinal), fastReceived.Order(StringComparer.Ordinal));
        var peak = readings.PeakBytes;
        Assert.True(peak > 0, "the cache's bytes gauge reported nothing");
        Assert.True(
            peak <= LongAgesSmallBudget.MaxBytes + OneReadSlack,
            $"the cache held {peak} bytes at its peak; the budget is {LongAgesSmallBudget.MaxBytes} plus one read ({OneReadSlack})");
    }
}
