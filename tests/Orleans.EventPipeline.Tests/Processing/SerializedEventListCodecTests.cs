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
        var entries = events.Select((e, i) => i % 2 == 0 ? EventEntry.Of(Single.SerializeToArray(e)) : EventEntry.Of(e)).ToArray();
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
    public void RoundTrip_OneListInTwoBatches_ReadBackAsOneList()
    {
        var events = Enumerable.Range(0, 3).Select(Event).ToArray();
        var list = new SerializedEventList([.. events.Select(e => EventEntry.Of(Single.SerializeToArray(e)))], Single);
        var serializer = _services.GetRequiredService<Serializer<List<object>>>();

        var read = serializer.Deserialize(serializer.SerializeToArray([new NormalizedEventBatch("t", "a", list), new NormalizedEventBatch("t", "b", list), "after"]))!;

        var first = Assert.IsType<NormalizedEventBatch>(read[0]);
        var second = Assert.IsType<NormalizedEventBatch>(read[1]);
        Assert.Equal(("a", "b"), (first.StreamKey, second.StreamKey));
        Assert.Equal(events.Select(static e => e.EventId), first.Events.Select(static e => e.EventId));
        Assert.Same(first.Events, second.Events);
        Assert.Equal("after", read[2]);
    }

    [Fact]
    public void RoundTrip_ParsedEventOverTheScratchSize_WholeAndTheNextSmallOneToo()
    {
        var large = Event(1) with { Body = new string('€', 300_000) };
        var batch = new NormalizedEventBatch("t", "t", new SerializedEventList([EventEntry.Of(large), EventEntry.Of(Event(2))], null));
        var serializer = _services.GetRequiredService<Serializer<NormalizedEventBatch>>();

        var read = serializer.Deserialize(serializer.SerializeToArray(batch))!;

        Assert.Equal(large.Body, read.Events[0].Body);
        AssertSame(Event(2), read.Events[1]);
    }

    [Fact]
    public void Write_AParsedEventTheSerializerRefuses_NamesItsIndex()
    {
        var attributes = new OnceReadableAttributes();
        _ = attributes.ToList();
        var odd = Event(1) with { Attributes = attributes };
        var batch = new NormalizedEventBatch("t", "t", new SerializedEventList([EventEntry.Of(Single.SerializeToArray(Event(0))), EventEntry.Of(Event(2)), EventEntry.Of(odd)], Single));

        var refused = Assert.Throws<UnserializableEventException>(() => _services.GetRequiredService<Serializer<NormalizedEventBatch>>().SerializeToArray(batch));

        Assert.Equal(2, refused.Index);
        Assert.IsType<InvalidOperationException>(refused.InnerException);
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
        var list = new SerializedEventList([EventEntry.Of(Single.SerializeToArray(Event(1)))], Single);

        Assert.Same(list, _services.GetRequiredService<DeepCopier<SerializedEventList>>().Copy(list));
    }

    [Fact]
    public void ReadOnly_CopiesToAListAndFindsAParsedEntry_MutatorsRefused()
    {
        IList<NormalizedEvent> list = new SerializedEventList([EventEntry.Of(Event(0)), EventEntry.Of(Single.SerializeToArray(Event(1)))], Single);

        Assert.True(list.IsReadOnly);
        Assert.Equal(["0190a1b2c3d4e5f60718293a4b5c6d7e:0", "0190a1b2c3d4e5f60718293a4b5c6d7e:1"], list.ToList().Select(static e => e.EventId));
        Assert.Equal(0, list.IndexOf(list[0]));
        Assert.Throws<NotSupportedException>(() => list.Add(Event(2)));
        Assert.Throws<NotSupportedException>(() => list[0] = Event(2));
    }

    [Fact]
    public void Truncated_ThrowsNamingTheShortInput()
    {
        var serializer = _services.GetRequiredService<Serializer<NormalizedEventBatch>>();
        var bytes = serializer.SerializeToArray(new NormalizedEventBatch("t", "t", new SerializedEventList([.. Enumerable.Range(0, 3).Select(i => EventEntry.Of(Single.SerializeToArray(Event(i))))], Single)));

        for (var cut = 40; cut < bytes.Length - 1; cut += 37)
        {
            Assert.ThrowsAny<Exception>(() => serializer.Deserialize(bytes.AsSpan(0, bytes.Length - cut).ToArray()));
        }
    }

    [Fact]
    public void Constructor_AnEmptyEntryOrOneNoSerializerReads_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new SerializedEventList([EventEntry.Of(Event(0)), default], Single));
        Assert.Throws<ArgumentException>(() => new SerializedEventList([EventEntry.Of(Single.SerializeToArray(Event(1)))], null));
        Assert.Throws<ArgumentException>(() => EventEntry.Of(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void RoundTrip_EntriesThatAreRangesOfOneArray_EachWrittenAsItsOwnRangeOnly()
    {
        // As the order stage holds a batch: its events' bytes one after another in one array, with bytes around them.
        var events = Enumerable.Range(0, 4).Select(Event).ToArray();
        var serialized = events.Select(Single.SerializeToArray).ToArray();
        byte[] array = [0xFF, 0xFF, .. serialized.SelectMany(static b => b), 0xFF];
        var entries = new EventEntry[events.Length];
        for (int i = 0, offset = 2; i < events.Length; offset += serialized[i].Length, i++)
        {
            entries[i] = EventEntry.Of(array.AsMemory(offset, serialized[i].Length));
        }

        var list = new SerializedEventList(entries, Single);
        Assert.Equal(events.Select(static e => e.EventId), list.Select(static e => e.EventId));
        var serializer = _services.GetRequiredService<Serializer<NormalizedEventBatch>>();

        var read = serializer.Deserialize(serializer.SerializeToArray(new NormalizedEventBatch("t", "t", list)))!;

        for (var i = 0; i < events.Length; i++)
        {
            AssertSame(events[i], read.Events[i]);
        }
    }

    public void Dispose() => _services.Dispose();

    private static NormalizedEvent Event(int i) => NormalizedBatchPublisherTests.Event(i);

    private static void AssertSame(NormalizedEvent expected, NormalizedEvent actual)
    {
        Assert.Equal(expected with { Attributes = actual.Attributes, Resource = actual.Resource }, actual);
        Assert.Equal(expected.Attributes.OrderBy(static a => a.Key), actual.Attributes.OrderBy(static a => a.Key));
        Assert.Equal(expected.Resource.OrderBy(static a => a.Key), actual.Resource.OrderBy(static a => a.Key));
    }
}
