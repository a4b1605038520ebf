using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.EventPipeline.Streaming.Caching;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Runtime.Providers;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>
/// The pipeline's stream provider (AddPipelineStreams) never skips a message whose delivery keeps failing:
/// Orleans' pulling agent gives up after MaxEventDeliveryTime (1 minute by default) and moves on. To see
/// that in seconds, the host sets MaxEventDeliveryTime to 1 s and the delivery backoff to 100 ms (production
/// keeps Orleans' 1-30 s backoff); the subscriber fails for 3 s, three times that limit.
/// </summary>
public sealed class DeliveryRetryTests
{
    public const string Namespace = "delivery-retry-test";
    public const string FailingItem = "fail";
    public static readonly TimeSpan FailFor = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ConfiguredMaxEventDeliveryTime = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task SubscriberFailsLongerThanMaxEventDeliveryTime_MessageDeliveredAfterwards_NothingOvertakesIt()
    {
        using var data = new TempDirectory();
        await using var emulator = await PipelineStreamsCluster.StartEmulatorAsync(data.Path, partitionCount: 2);
        var run = Guid.NewGuid().ToString("N");
        string[] sent = ["before", FailingItem, "after-1", "after-2", "after-3"];

        await using var cluster = await PipelineStreamsCluster.StartAsync("delivery-retry-test", data.Path, emulator, new StreamCacheOptions(), static silo =>
        {
            // A host's own settings, applied after the provider's: a short delivery limit and a fast backoff.
            silo.Services.Configure<StreamPullingAgentOptions>(PipelineStreams.ProviderName, static agent => agent.MaxEventDeliveryTime = ConfiguredMaxEventDeliveryTime);
            silo.Services.AddKeyedSingleton<IMessageDeliveryBackoffProvider>(PipelineStreams.ProviderName, new FixedBackoff(TimeSpan.FromMilliseconds(100)));
        });
        var stream = cluster.Client.GetStreamProvider(PipelineStreams.ProviderName).GetStream<string>(StreamId.Create(Namespace, run));
        foreach (var item in sent)
        {
            await stream.OnNextAsync(item);
        }

        var received = await ReceivedEvents.WaitAsync(run, static r => r.Count >= 4 && r[^1] == "after-3", TimeSpan.FromSeconds(60));

        Assert.Equal(sent, received);
        // Failing for 3 s at 100 ms intervals: far more attempts than fit in the 1 s Orleans would have allowed.
        Assert.True(FlakySubscriberGrain.FailuresOf(run) > 10, $"only {FlakySubscriberGrain.FailuresOf(run)} failed deliveries");
    }
}
