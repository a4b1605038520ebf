using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Tests.Processing;

public sealed class NormalizedBatchPublisherTests
{
    // Orleans' memory streams refuse a serialized message over 1 MiB.
    private const int MemoryStreamMessageLimit = 1024 * 1024;

    [Fact]
    public void Split_EventsOverTheMemoryStreamLimit_EveryPartSerializesUnderItInOrder()
    {
        using var services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(NormalizedEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var events = Enumerable.Range(0, 8000).Select(Event).ToArray();

        var parts = NormalizedBatchPublisher.Split(events, NormalizedBatchPublisher.MaxPartBytes).ToList();

        Assert.True(serializer.SerializeToArray(new NormalizedEventBatch("t", "t", events)).Length > 2 * MemoryStreamMessageLimit, "the input must be over the limit");
        Assert.True(parts.Count > 1);
        Assert.All(parts, part => Assert.InRange(serializer.SerializeToArray(new NormalizedEventBatch("t", "t", part)).Length, 1, MemoryStreamMessageLimit / 2));
        Assert.Equal(events.Select(static e => e.EventId), parts.SelectMany(static p => p).Select(static e => e.EventId));
    }

    [Fact]
    public void Split_SmallBatch_OnePartTheSameList()
    {
        var events = Enumerable.Range(0, 10).Select(Event).ToArray();

        var part = Assert.Single(NormalizedBatchPublisher.Split(events, NormalizedBatchPublisher.MaxPartBytes));

        Assert.Same(events, part);
    }

    private static NormalizedEvent Event(int i) => new(
        "t",
        $"0190a1b2c3d4e5f60718293a4b5c6d7e:{i}",
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch.AddSeconds(i),
        DateTimeOffset.UnixEpoch,
        9,
        "info",
        new string('m', 300),
        new Dictionary<string, AttributeValue> { ["user.name"] = "ann", ["request.path"] = "/api/v1/orders/12345", ["status"] = 200L, ["env"] = "prod" },
        new Dictionary<string, string> { ["host.name"] = "web-1", ["service.name"] = "shop" },
        SourceFormat.Json);
}
