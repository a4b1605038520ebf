using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Streaming;
using Orleans.EventPipeline.Tests.Support;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The order stage's publication onto the ordered stream, in a real silo with the derived streams and a user's
/// ordered subscriber: one event no stream message can carry is left out, named, and every other event arrives
/// once, in order, whether it was held serialized or parsed.
/// </summary>
public sealed class PendingPublicationTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessingTestCluster.StartAsync(_archive.Path);

    [Fact]
    public async Task Publish_AnEventTheSerializerRefuses_LeftOutAloneTheOthersArriveOnceInOrder()
    {
        const int Count = 3_000;
        const int Odd = 1_234;
        var streamKey = StreamKeys.ForShard("odd-" + Guid.NewGuid().ToString("N")[..8], 0);

        var leftOut = await _cluster.Client.GetGrain<IOddEventPublisherGrain>(streamKey).PublishAsync(Count, Odd);

        Assert.Equal([$"{OddEventPublisherGrain.Body(Odd)} UnserializableEventException"], leftOut);
        var expected = Enumerable.Range(0, Count).Where(static i => i != Odd).Select(OddEventPublisherGrain.Body).ToList();
        var received = await ReceivedEvents.WaitAsync(streamKey, r => r.Count >= expected.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(expected, received);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();
}
