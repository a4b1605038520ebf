using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Runtime.Providers;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// A subscriber that falls further behind than the receiver cache's age loses nothing. Orleans' cache
/// purges a partition's messages by age alone, and a cursor whose next message was purged is moved on:
/// the messages between were never delivered (13,683 acknowledged events in a 30-minute fault run). Here
/// one stream's deliveries fail while another stream of the same partition keeps posting, with a cache
/// age of 1 s instead of 45 s, until the age would purge the failing stream's messages; then its
/// deliveries succeed again and every message must arrive once, in order.
/// </summary>
public sealed class SlowSubscriberCacheTests
{
    public const string Namespace = "slow-subscriber-test";
    private static readonly StreamCacheOptions ShortCache = new() { MinTimeInCache = TimeSpan.FromMilliseconds(500), MaxRelativeAge = TimeSpan.FromSeconds(1) };
    private const int SlowItems = 5;

    [Fact]
    public async Task SubscriberStuckLongerThanCacheAge_OtherStreamKeepsPosting_EveryMessageArrivesOnceInOrder()
    {
        using var data = new TempDirectory();
        // One partition: both streams share its receiver and its cache.
        await using var emulator = await PipelineStreamsCluster.StartEmulatorAsync(data.Path, partitionCount: 1);

        using var readings = new StreamCacheReadings();

        var run = Guid.NewGuid().ToString("N");
        var slowKey = run + "-slow";
        var fastKey = run + "-fast";
        GatedSubscriberGrain.Close(slowKey);

        // Retries of the stuck deliveries every 100 ms, so the stream catches up soon after its gate opens.
        await using var cluster = await PipelineStreamsCluster.StartAsync("slow-subscriber-test", data.Path, emulator, ShortCache, static silo =>
            silo.Services.AddKeyedSingleton<IMessageDeliveryBackoffProvider>(PipelineStreams.ProviderName, new FixedBackoff(TimeSpan.FromMilliseconds(100))));
        var provider = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName);
        var slow = provider.GetStream<string>(StreamId.Create(Namespace, slowKey));
        var fast = provider.GetStream<string>(StreamId.Create(Namespace, fastKey));
        var slowSent = Enumerable.Range(0, SlowItems).Select(static i => $"slow-{i}").ToArray();
        foreach (var item in slowSent)
        {
            await slow.OnNextAsync(item);
        }

        var slowPosted = DateTime.UtcNow;

        // The other stream posts one message at a time, the next once the last arrived, so each arrival
        // comes from a later read of the partition than the one before. Orleans' purge runs before every
        // read: once a message posted more than the cache age after the slow stream's arrived, the next
        // read's purge has reached the slow stream's messages. With the guard, that purge keeps them and
        // counts a held purge, and the partition reads nothing new until the slow stream catches up.
        var fastSent = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var agedPastSlow = 0;
        while (readings.Holds == 0 && agedPastSlow < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "neither a held purge nor two reads past the cache age within 60 s");
            var item = $"fast-{fastSent.Count}";
            var postedAt = DateTime.UtcNow;
            await fast.OnNextAsync(item);
            fastSent.Add(item);
            while (readings.Holds == 0 && !ReceivedEvents.Of(fastKey).Contains(item))
            {
                Assert.True(DateTime.UtcNow < deadline, $"'{item}' did not arrive and no purge was held within 60 s");
                await Task.Delay(20);
            }

            if (postedAt - slowPosted > ShortCache.MaxRelativeAge + ShortCache.MinTimeInCache)
            {
                agedPastSlow++;
            }
        }

        GatedSubscriberGrain.Open(slowKey);
        await fast.OnNextAsync("fast-last");
        fastSent.Add("fast-last");

        var slowReceived = await ReceivedEvents.WaitAsync(slowKey, r => r.Count >= SlowItems, TimeSpan.FromSeconds(60));
        var fastReceived = await ReceivedEvents.WaitAsync(fastKey, static r => r.Contains("fast-last"), TimeSpan.FromSeconds(60));
        Assert.Equal(slowSent, slowReceived);
        Assert.Equal(fastSent, fastReceived);
        Assert.True(readings.Holds > 0, "the purge never had to wait for the stuck stream: the test did not reach the cache age");
    }
}
