using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Tests.Processing;

public sealed class NormalizedBatchPublisherTests
{
    // Orleans' memory streams refuse a serialized message over 1 MiB.
    private const int MemoryStreamMessageLimit = 1024 * 1024;

    // What a message spends once on the names of the types it holds, whatever its events.
    private const int TypeNamesBytes = 1024;

    [Fact]
    public void Split_EventsOverTheMemoryStreamLimit_EveryPartSerializesUnderItInOrder()
    {
        using var services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(NormalizedEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var events = Enumerable.Range(0, 8000).Select(Event).ToArray();

        var parts = NormalizedBatchPublisher.Split(Released(events), 0, NormalizedBatchPublisher.MaxPartBytes).ToList();

        Assert.True(serializer.SerializeToArray(new NormalizedEventBatch("t", "t", events)).Length > 2 * MemoryStreamMessageLimit, "the input must be over the limit");
        Assert.True(parts.Count > 1);
        Assert.All(parts, part => Assert.InRange(serializer.SerializeToArray(new NormalizedEventBatch("t", "t", part)).Length, 1, MemoryStreamMessageLimit / 2));
        Assert.Equal(events.Select(static e => e.EventId), parts.SelectMany(static p => p).Select(static e => e.EventId));
    }

    [Fact]
    public void Split_EventsHeldSerialized_CountsTheirBytesKeepsThemUnreadAndStartsAtTheOffset()
    {
        using var services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(NormalizedEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var single = services.GetRequiredService<Serializer<NormalizedEvent>>();
        var events = Enumerable.Range(0, 8000).Select(Event).ToArray();
        var released = new ReleasedEvents();
        foreach (var e in events)
        {
            // Every third parsed, the others as the order stage holds them.
            if (int.Parse(e.EventId.AsSpan(e.EventId.IndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture) % 3 == 0)
            {
                released.Add(e);
            }
            else
            {
                released.AddSerialized(single.SerializeToArray(e), single);
            }
        }

        var parts = NormalizedBatchPublisher.Split(released, 100, NormalizedBatchPublisher.MaxPartBytes).ToList();

        Assert.True(parts.Count > 1);
        Assert.All(parts, part => Assert.InRange(serializer.SerializeToArray(new NormalizedEventBatch("t", "t", part)).Length, 1, MemoryStreamMessageLimit / 2));
        Assert.Equal(events.Skip(100).Select(static e => e.EventId), parts.SelectMany(static p => p).Select(static e => e.EventId));
        var first = parts[0];
        Assert.Null(first.SerializedAt(2));
        Assert.Equal(single.SerializeToArray(events[101]), first.SerializedAt(1)!.Value.ToArray());
    }

    [Fact]
    public void Split_SmallBatch_OnePartOfEveryEvent()
    {
        var events = Enumerable.Range(0, 10).Select(Event).ToArray();

        var part = Assert.Single(NormalizedBatchPublisher.Split(Released(events), 0, NormalizedBatchPublisher.MaxPartBytes));

        Assert.Equal(events, part, ReferenceEqualityComparer.Instance);
    }

    public static TheoryData<string> Hostile => ["empty", "many-doubles", "multibyte", "huge-body", "many-tiny"];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Split_HostileEvents_EstimateNeverBelowTheSerializedSizeAndPartsUnderTheLimit(string shape)
    {
        using var services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(NormalizedEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var events = HostileEvents(shape);
        // Type names are written once per message, not per event: the estimate is per event, so the check is per message.
        var sample = events.Take(200).ToArray();
        var serialized = serializer.SerializeToArray(new NormalizedEventBatch("t", "t", sample)).Length;
        var estimated = sample.Sum(NormalizedBatchPublisher.EstimatedBytes);
        Assert.True(estimated + TypeNamesBytes >= serialized, $"{shape}: {sample.Length} events serialize to {serialized} bytes, estimated {estimated}");

        var parts = NormalizedBatchPublisher.Split(Released(events), 0, NormalizedBatchPublisher.MaxPartBytes).ToList();

        Assert.Equal(events.Select(static e => e.EventId), parts.SelectMany(static p => p).Select(static e => e.EventId));
        Assert.All(parts, part => Assert.True(
            part.Count == 1 || serializer.SerializeToArray(new NormalizedEventBatch("t", "t", part)).Length <= MemoryStreamMessageLimit,
            $"{shape}: a part of {part.Count} events is over the memory stream's limit"));
    }

    private static ReleasedEvents Released(IEnumerable<NormalizedEvent> events)
    {
        var released = new ReleasedEvents();
        foreach (var e in events)
        {
            released.Add(e);
        }

        return released;
    }

    private static NormalizedEvent[] HostileEvents(string shape) => shape switch
    {
        "empty" => [.. Enumerable.Range(0, 20_000).Select(static i => Event(i) with { Body = "", SeverityText = null, Attributes = new Dictionary<string, AttributeValue>(), Resource = new Dictionary<string, string>() })],
        "many-doubles" => [.. Enumerable.Range(0, 200).Select(static i => Event(i) with { Attributes = Enumerable.Range(0, 500).ToDictionary(static a => ((char)('a' + (a % 26))).ToString() + a.ToString(System.Globalization.CultureInfo.InvariantCulture), static a => (AttributeValue)(a * -1.000001e300)) })],
        "multibyte" => [.. Enumerable.Range(0, 400).Select(static i => Event(i) with { Body = string.Concat(Enumerable.Repeat("€😀", 1000)), Attributes = new Dictionary<string, AttributeValue> { ["ключ"] = string.Concat(Enumerable.Repeat("日本", 500)) } })],
        "huge-body" => [Event(0), Event(1) with { Body = new string('x', 900_000) }, Event(2)],
        _ => [.. Enumerable.Range(0, 50_000).Select(static i => Event(i) with { Body = "x", Attributes = new Dictionary<string, AttributeValue> { ["b"] = true, ["n"] = (long)i } })],
    };

    /// <summary>An event of a 300-character body, four attributes and two resource names.</summary>
    internal static NormalizedEvent Event(int i) => new(
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
