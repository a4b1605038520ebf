using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Streaming.Derived;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Streaming;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Runtime;
using Orleans.Runtime.Providers;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The order stage's streams stay inside their byte budgets when a subscriber of the ordered stream stops
/// taking events, and lose or double nothing. Orleans' memory streams kept every message for 5-30 minutes
/// (a silo at 50,000 events/s grew ~100 MB/s to 7.5 GiB) and, had a subscriber fallen behind their purge,
/// would have moved it on past what it missed. Here the derived budgets are their smallest, a user's
/// ordered subscriber fails every delivery while about 80 MB of normalized and ordered messages are due,
/// and then recovers.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class OrderedStreamBackpressureTests : IDisposable
{
    private const int Batches = 80;
    private const int EventsPerBatch = 250;
    private const int BodyChars = 2_000;
    private readonly TempDirectory _archive = new();

    /// <param name="windowMs">0: every event released parsed on arrival; 1,000: held and published as the bytes the buffer holds.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    public async Task OrderedSubscriberStuck_DerivedQueuesRefuseAndCachesStayInBudget_EveryEventArrivesOnceInOrderAfterItRecovers(int windowMs)
    {
        using var readings = new StreamCacheReadings();
        var budgets = LeastBudgets;
        await using var cluster = await StartClusterAsync();
        var (tenant, streamKey, _) = await StuckOrderedTenantAsync(cluster, "ordered", TimeSpan.FromMilliseconds(windowMs));
        var sent = await SendAsync(cluster, tenant, streamKey);

        // Stuck: the ordered stream's cache keeps what the subscriber has not taken until the silo's derived
        // caches are over their budget, stops reading its queue, and the full queue keeps the order stage
        // waiting, then refuses it.
        await WaitForRefusalAsync(readings);

        Assert.Empty(ReceivedEvents.Of(streamKey));
        GatedOrderedSubscriberGrain.Open(streamKey);

        var received = await ReceivedEvents.WaitAsync(streamKey, r => r.Count >= sent.Count, TimeSpan.FromSeconds(120));
        readings.Sample();
        Assert.Equal(sent, received);

        // Past the budget by at most what one read of each queue adds before the next purge: a queue's
        // worth and the block it started. The test's one stream key has one queue on each of the two hops.
        var allowed = budgets.MaxCacheBytes + (EventStreams.DerivedHops.Count * (budgets.MaxQueueBytes + DerivedStreamOptions.BlockBytes));
        Assert.InRange(readings.DerivedPeakBytes, DerivedStreamOptions.BlockBytes, allowed);
        Assert.True((long)sent.Count * BodyChars * 2 > 2 * allowed, "the test must send more than twice what the derived caches may hold");

        // The archive does not wait for the order stage's subscribers once they take events again.
        // Every ordered event came out of the processor, so all are archived or buffered: flush the buffer.
        await cluster.Client.GetGrain<ITenantStreamProcessorGrain>(streamKey).FlushAsync();
        var archived = (await ArchiveFiles.WaitForAsync(_archive.Path, tenant, events => events.Count >= sent.Count, TimeSpan.FromSeconds(60)))
            .SelectMany(static o => o.Events).Select(static e => e.Body).Order(StringComparer.Ordinal);
        Assert.Equal(sent, archived);
    }

    [Fact]
    public async Task OrderedSubscriberStuck_OrderingTurnedOff_ArchiveGoesOnWithoutIt()
    {
        using var readings = new StreamCacheReadings();
        await using var cluster = await StartClusterAsync(static options => options.SettingsRefreshInterval = TimeSpan.FromSeconds(1));
        var (tenant, streamKey, settings) = await StuckOrderedTenantAsync(cluster, "unordered");
        var sent = await SendAsync(cluster, tenant, streamKey);

        // The order stage's publish is refused: the raw delivery that feeds it fails, and is retried.
        await WaitForRefusalAsync(readings);

        // The operator frees the tenant: ordering off applies to the failing retry too, though other settings wait for it.
        await cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(settings with { Processing = new ProcessingSettings() });
        var processor = cluster.Client.GetGrain<ITenantStreamProcessorGrain>(streamKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        List<string> archived;
        while ((archived = (await ArchiveFiles.ReadAsync(_archive.Path, tenant)).SelectMany(static o => o.Events).Select(static e => e.Body).ToList()).Count < sent.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the archive holds {archived.Count} of {sent.Count} events 90 s after ordering was turned off, with the ordered subscriber still stuck");
            await processor.FlushAsync();
            await Task.Delay(200);
        }

        Assert.Equal(sent, archived.Order(StringComparer.Ordinal));
    }

    private static DerivedStreamOptions LeastBudgets => new() { MaxQueueBytes = DerivedStreamOptions.LeastMaxQueueBytes, MaxCacheBytes = DerivedStreamOptions.LeastMaxCacheBytes };

    /// <summary>One silo with the derived streams at their smallest budgets, failed deliveries retried every 100 ms.</summary>
    private Task<Orleans.TestingHost.InProcessTestCluster> StartClusterAsync(Action<ProcessingGrainOptions>? configure = null) =>
        ProcessingTestCluster.StartAsync(_archive.Path, configure, configureSilo: static silo =>
        {
            silo.Services.Configure<DerivedStreamOptions>(static options =>
            {
                options.MaxQueueBytes = LeastBudgets.MaxQueueBytes;
                options.MaxCacheBytes = LeastBudgets.MaxCacheBytes;
            });
            // Rather than Orleans' 1-30 s, so the backlog drains within the test.
            silo.Services.AddKeyedSingleton<IMessageDeliveryBackoffProvider>(PipelineStreams.DerivedProviderName, new FixedBackoff(TimeSpan.FromMilliseconds(100)));
            silo.Services.AddKeyedSingleton<IMessageDeliveryBackoffProvider>(PipelineStreams.ProviderName, new FixedBackoff(TimeSpan.FromMilliseconds(100)));
        });

    /// <summary>A new tenant ordering its events (no lateness window unless given), whose one ordered subscriber takes nothing.</summary>
    private static async Task<(string Tenant, string StreamKey, TenantSettings Settings)> StuckOrderedTenantAsync(Orleans.TestingHost.InProcessTestCluster cluster, string prefix, TimeSpan window = default)
    {
        var tenant = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var streamKey = StreamKeys.ForShard(tenant, 0);
        var settings = new TenantSettings("ordered", true)
        {
            Processing = new ProcessingSettings { Ordering = new OrderingSettings { Enabled = true, LatenessWindow = window } },
        };
        await cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(settings);
        GatedOrderedSubscriberGrain.Close(streamKey);
        return (tenant, streamKey, settings);
    }

    private static Task WaitForRefusalAsync(StreamCacheReadings readings) => Poll.UntilAsync(
        () =>
        {
            readings.Sample();
            return readings.DerivedRefused > 0;
        },
        TimeSpan.FromSeconds(90),
        static () => "a derived queue to refuse a publish while the ordered subscriber was stuck; none did");

    private static async Task<List<string>> SendAsync(Orleans.TestingHost.InProcessTestCluster cluster, string tenant, string streamKey)
    {
        var raw = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName).GetStream<RawEventBatch>(StreamId.Create(PipelineStreams.Raw, streamKey));
        var padding = new string('x', BodyChars);
        var sent = new List<string>(Batches * EventsPerBatch);
        for (var b = 0; b < Batches; b++)
        {
            var bodies = Enumerable.Range(sent.Count, EventsPerBatch).Select(i => $"e-{i:D6}-{padding}").ToArray();
            sent.AddRange(bodies);
            await raw.OnNextAsync(new RawEventBatch(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, EventKind.Json, 0, EventsPerBatch, GatewayFrames.Of(bodies.Select(static body => $"{{\"message\":\"{body}\"}}"))));
        }

        return sent;
    }

    public void Dispose() => _archive.Dispose();
}
