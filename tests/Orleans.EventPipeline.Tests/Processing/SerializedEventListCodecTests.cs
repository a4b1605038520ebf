using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace Orleans.EventPipeline.Tests.Processing;

public sealed class SerializedEventListCodecTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer(static b => b.AddAssembly(typeof(NormalizedEvent).Assembly)).BuildServiceProvider();

    private Serializer<NormalizedEvent> Single => _services.GetRequiredService<Serializer<NormalizedEvent>>();

    [Fact]
    public void RoundTrip_EntriesHeldEitherWay_ReadBackParsedInOrderAndEqual()
    {
        var events = Enumerable.Range(0, 6).Select(Event).ToArray();
        events[4] = events[4] with { Late = true, Body = "€😀 \u0000 \"quoted\"", Timestamp = null };
        var entries = events.Select((e, i) => i % 2 == 0 ? (object)Single.SerializeToArray(e) : e).ToArray();
        var batch = new NormalizedEventBatch("t", "t/0", new SerializedEventList(entries, Single));
        var serializer = _services.GetRequiredService<Serializer<NormalizedEventBatch>>();

        var read = serializer.Deserialize(serializer.SerializeToArray(batch))!;

        var list = Assert.IsType<SerializedEventList>(read.Events);
        Assert.Equal(events.Length, list.Count);
        for (var i = 0; i < events.Length; i++)
        {
            Assert.Null(list.SerializedAt(i));
            AssertSame(events[i], list[i]);
        }
    }

    [Fact]
    public void RoundTrip_InsideAnObjectList_AsTheDerivedStreamWritesItsItems()
    {
        var events = Enumerable.Range(0, 3).Select(Event).ToArray();
        var batch = new NormalizedEventBatch("t", "t/0", new SerializedEventList([.. events.Select(e => (object)Single.SerializeToArray(e))], Single));
        var serializer = _services.GetRequiredService<Serializer<List<object>>>();

        var read = serializer.Deserialize(serializer.SerializeToArray([batch, batch]))!;

        Assert.Equal(2, read.Count);
        var first = Assert.IsType<NormalizedEventBatch>(read[0]);
        Assert.Equal(events.Select(static e => e.EventId), first.Events.Select(static e => e.EventId));
        Assert.Same(first.Events, Assert.IsType<NormalizedEventBatch>(read[1]).Events);
    }

    [Fact]
    public void Empty_RoundTrips()
    {
        var serializer = _services.GetRequiredService<Serializer<NormalizedEventBatch>>();

        var read = serializer.Deserialize(serializer.SerializeToArray(new NormalizedEventBatch("t", "t", new SerializedEventList([], null))))!;

        Assert.Empty(read.Events);
    }

    [Fact]
    public void DeepCopy_IsTheSameList()
    {
        var list = new SerializedEventList([Single.SerializeToArray(Event(1))], Single);

        Assert.Same(list, _services.GetRequiredService<DeepCopier<SerializedEventList>>().Copy(list));
    }

    [Fact]
    public void Truncated_Throws_NeverReadsShort()
    {
        var serializer = _services.GetRequiredService<Serializer<NormalizedEventBatch>>();
        var bytes = serializer.SerializeToArray(new NormalizedEventBatch("t", "t", new SerializedEventList([.. Enumerable.Range(0, 3).Select(i => (object)Single.SerializeToArray(Event(i)))], Single)));

        Assert.ThrowsAny<Exception>(() => serializer.Deserialize(bytes.AsSpan(0, bytes.Length - 40).ToArray()));
    }

    [Fact]
    public void Constructor_AnEntryOfAnotherType_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new SerializedEventList(["not an event"], Single));
        Assert.Throws<ArgumentException>(() => new SerializedEventList([Single.SerializeToArray(Event(1))], null));
    }

    public void Dispose() => _services.Dispose();

    private static void AssertSame(NormalizedEvent expected, NormalizedEvent actual)
    {
        Assert.Equal(expected with { Attributes = actual.Attributes, Resource = actual.Resource }, actual);
        Assert.Equal(expected.Attributes.OrderBy(static a => a.Key), actual.Attributes.OrderBy(static a => a.Key));
        Assert.Equal(expected.Resource.OrderBy(static a => a.Key), actual.Resource.OrderBy(static a => a.Key));
    }

    private static NormalizedEvent Event(int i) => new(
        "t",
        $"0190a1b2c3d4e5f60718293a4b5c6d7e:{i}",
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch.AddSeconds(i),
        DateTimeOffset.UnixEpoch,
        9,
        "info",
        $"message {i}",
        new Dictionary<string, AttributeValue> { ["user.name"] = "ann", ["status"] = 200L, ["ratio"] = 0.5 },
        new Dictionary<string, string> { ["host.name"] = "web-1" },
        SourceFormat.Json);
}
