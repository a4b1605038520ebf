using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Tests.Support;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Processing.Tests.Ordering;

public sealed class ReorderBufferTests
{
    /// <summary>Orleans' own serializer of events, as the silo gives it to the order stage.</summary>
    private static readonly Serializer<NormalizedEvent> Serializer =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer<NormalizedEvent>>();

    // After the test events' times (at most 200 s after TestEvents.Ingest), as a silo's clock is when they arrive: an event
    // dated more than the window and ReorderBuffer.AheadAllowance after the clock is not put in order (the FarAhead tests).
    private readonly FakeTimeProvider _time = new(TestEvents.Ingest.AddHours(1));

    [Fact]
    public void Add_ShuffledWithinWindow_ReleasesInEventTimeOrder()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time);
        var random = new Random(7);

        // Seconds 0-199 shuffled within blocks of 4: no event arrives more than 3 s after a later one,
        // inside the 5 s window.
        var arrival = new List<NormalizedEvent>();
        for (var block = 0; block < 50; block++)
        {
            var seconds = Enumerable.Range(block * 4, 4).ToArray();
            random.Shuffle(seconds);
            arrival.AddRange(seconds.Select(static s => TestEvents.At(s)));
        }

        var released = new ReleasedEvents();
        buffer.AddRange(arrival, released);
        buffer.Flush(released);

        Assert.NotEqual(arrival.Select(static e => e.EventId), released.Events.Select(static e => e.EventId));
        Assert.Equal(Enumerable.Range(0, 200).Select(static s => $"e{s}"), released.Events.Select(static e => e.EventId));
        Assert.DoesNotContain(released.Events, static e => e.Late);
    }

    [Fact]
    public void Serialized_ReleasesEveryFieldInOrder_CountsTheBytesItHolds()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, serializer: Serializer);
        var parser = new JsonEventParser(new JsonFieldMapping());
        var arrival = Enumerable.Range(0, 3).Select(static i => 12 - ((i * 2) % 3)).Select(s => TestEvents.Parse(parser,
            $$"""{"timestamp":"2024-05-01T12:00:{{s:00}}Z","message":"m{{s}}","level":"warn","user":"u{{s}}","n":{{s}},"ratio":0.5}""")).ToArray();

        var released = new ReleasedEvents();
        buffer.AddRange(arrival, released);
        Assert.Empty(released.Events);
        Assert.Equal(arrival.Sum(e => Serializer.SerializeToArray(e).Length + ReorderBuffer.PackedOverheadBytes), buffer.HeldBytes);

        buffer.Flush(released);
        Assert.Equal(0, buffer.HeldBytes);
        Assert.Equal(arrival.OrderBy(static e => e.EffectiveTime).Select(static e => e.EventId), released.Events.Select(static e => e.EventId));
        foreach (var (before, after) in arrival.OrderBy(static e => e.EffectiveTime).Zip(released.Events))
        {
            Assert.NotSame(before, after);
            Assert.Equal(before with { Attributes = after.Attributes, Resource = after.Resource }, after);
            Assert.Equal(before.Attributes.OrderBy(static a => a.Key), after.Attributes.OrderBy(static a => a.Key));
            Assert.Equal(before.Resource.OrderBy(static a => a.Key), after.Resource.OrderBy(static a => a.Key));
        }
    }

    [Fact]
    public void Serialized_ReleasesTheHeldBytesUnread()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, serializer: Serializer);
        var arrival = new[] { TestEvents.At(12), TestEvents.At(10), TestEvents.At(11) };

        var released = new ReleasedEvents();
        buffer.AddRange(arrival, released);
        buffer.Flush(released);

        var part = released.Events;
        Assert.Equal(["e10", "e11", "e12"], part.Select(static e => e.EventId));
        Assert.Equal(Serializer.SerializeToArray(arrival[1]), part.SerializedAt(0)!.Value.ToArray());
        Assert.Equal(Serializer.SerializeToArray(arrival[2]), part.SerializedAt(1)!.Value.ToArray());
        Assert.Equal(Serializer.SerializeToArray(arrival[0]), part.SerializedAt(2)!.Value.ToArray());
    }

    [Fact]
    public void Serialized_HoldsNoReferenceToTheEventsAdded()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, serializer: Serializer);

        var added = AddOne(buffer);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(1, buffer.Count);
        Assert.False(added.TryGetTarget(out _), "the buffer still references the event it was given");
        var released = new ReleasedEvents();
        buffer.Flush(released);
        Assert.Equal("e3", Assert.Single(released.Events).EventId);
    }

    [Fact]
    public void Serialized_AnEventTheSerializerRefuses_IsHeldAsItIs_TheOthersSerialized()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, static _ => 1_000, Serializer);
        var odd = TestEvents.At(11) with { Attributes = new UnknownAttributes() };
        var arrival = new[] { TestEvents.At(12), odd, TestEvents.At(10) };

        var released = new ReleasedEvents();
        buffer.AddRange(arrival, released);
        Assert.Equal(1_000 + (2 * ReorderBuffer.PackedOverheadBytes) + Serializer.SerializeToArray(arrival[0]).Length + Serializer.SerializeToArray(arrival[2]).Length, buffer.HeldBytes);
        buffer.Flush(released);

        Assert.Equal(["e10", "e11", "e12"], released.Events.Select(static e => e.EventId));
        Assert.Same(odd, released.Events[1]);
        Assert.NotSame(arrival[0], released.Events[2]);
    }

    [Fact]
    public void Serialized_ABatch_SharesOneArray_CountedWholeUntilItsLastEventIsReleased()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, serializer: Serializer);
        var batch = new[] { TestEvents.At(12), TestEvents.At(10), TestEvents.At(11) };
        var sizes = batch.Select(e => (long)Serializer.SerializeToArray(e).Length).ToArray();
        var released = new ReleasedEvents();
        buffer.AddRange(batch, released);

        // 16 s makes 10 and 11 due; 12 keeps the first batch's array resident, and it stays counted whole.
        var next = TestEvents.At(16);
        buffer.AddRange([next], released);
        Assert.Equal(["e10", "e11"], released.Events.Select(static e => e.EventId));
        Assert.Equal(sizes.Sum() + Serializer.SerializeToArray(next).Length + (2 * ReorderBuffer.PackedOverheadBytes), buffer.HeldBytes);

        buffer.Flush(released);
        Assert.Equal(0, buffer.HeldBytes);
        var part = released.Events;
        Assert.Equal(["e10", "e11", "e12", "e16"], part.Select(static e => e.EventId));
        Assert.Single(Enumerable.Range(0, 3).Select(i => ArrayOf(part.SerializedAt(i)!.Value)).Distinct());
        Assert.NotSame(ArrayOf(part.SerializedAt(0)!.Value), ArrayOf(part.SerializedAt(3)!.Value));
    }

    [Fact]
    public void Serialized_ABatchOverTheSlabSize_IsCutIntoArraysOfAboutThatSize()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, serializer: Serializer);
        // Each event a third of a slab: three to an array (the one that passes the size closes it).
        var body = new string('x', ReorderBuffer.SlabBytes / 3);
        var batch = Enumerable.Range(0, 7).Select(i => TestEvents.At(10) with { EventId = $"big{i}", Body = body }).ToArray();
        var released = new ReleasedEvents();

        buffer.AddRange(batch, released);
        buffer.Flush(released);

        var part = released.Events;
        Assert.Equal(batch.Select(static e => e.EventId), part.Select(static e => e.EventId));
        var arrays = Enumerable.Range(0, part.Count).Select(i => ArrayOf(part.SerializedAt(i)!.Value)).ToArray();
        var distinct = arrays.Distinct().ToArray();
        Assert.Equal(3, distinct.Length);
        Assert.All(distinct[..2], static a => Assert.InRange(a.Length, ReorderBuffer.SlabBytes, ReorderBuffer.SlabBytes + (ReorderBuffer.SlabBytes / 2)));
        Assert.InRange(distinct[2].Length, 1, ReorderBuffer.SlabBytes - 1);
        Assert.Equal(body, part[6].Body);
    }

    private static byte[] ArrayOf(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");

    [Fact]
    public void Serialized_ALateEventInABatch_ReleasedParsedAndFlagged_TheOthersHeldAndCountedDownToZero()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, serializer: Serializer);
        var released = new ReleasedEvents();
        buffer.AddRange([TestEvents.At(20), TestEvents.At(30)], released);
        Assert.Equal(TestEvents.Ingest.AddSeconds(20), buffer.Watermark);

        var late = TestEvents.At(10);
        var after = TestEvents.At(31);
        buffer.AddRange([late, after], released);

        Assert.True(released.Events[^1] is { EventId: "e10", Late: true });
        Assert.Null(released.Events.SerializedAt(released.Count - 1));
        // The late event's bytes are not in the second array: it holds 31 only; the first holds 20 and 30, counted
        // whole while 30 is held.
        var first = Serializer.SerializeToArray(TestEvents.At(20)).Length + Serializer.SerializeToArray(TestEvents.At(30)).Length;
        Assert.Equal(first + Serializer.SerializeToArray(after).Length + (2 * ReorderBuffer.PackedOverheadBytes), buffer.HeldBytes);

        Assert.True(buffer.TryReleaseOldest(released));
        Assert.Equal(Serializer.SerializeToArray(after).Length + ReorderBuffer.PackedOverheadBytes, buffer.HeldBytes);
        buffer.Flush(released);
        Assert.Equal(0, buffer.HeldBytes);
        Assert.Equal(["e20", "e10", "e30", "e31"], released.Events.Select(static e => e.EventId));
        Assert.Equal(Serializer.SerializeToArray(after), released.Events.SerializedAt(3)!.Value.ToArray());
    }

    [Fact]
    public void Serialized_ARefusedEventThatWroteBytesBeforeFailing_TheOthersKeepExactlyTheirOwnBytes()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time, static _ => 1_000, Serializer);
        // The body is written before the attributes fail, and it is long enough that the writer commits it: those
        // bytes sit between the events before and after it and must not be taken for either.
        var odd = TestEvents.At(11) with { Body = new string('b', 10_000), Attributes = new UnknownAttributes() };
        var arrival = new[] { odd, TestEvents.At(12), TestEvents.At(10) };

        var released = new ReleasedEvents();
        buffer.AddRange(arrival, released);
        Assert.Equal(1_000 + (2 * ReorderBuffer.PackedOverheadBytes) + Serializer.SerializeToArray(arrival[1]).Length + Serializer.SerializeToArray(arrival[2]).Length, buffer.HeldBytes);
        buffer.Flush(released);

        var part = released.Events;
        Assert.Equal(["e10", "e11", "e12"], part.Select(static e => e.EventId));
        Assert.Equal(Serializer.SerializeToArray(arrival[2]), part.SerializedAt(0)!.Value.ToArray());
        Assert.Same(odd, part[1]);
        Assert.Equal(Serializer.SerializeToArray(arrival[1]), part.SerializedAt(2)!.Value.ToArray());
    }

    [Fact]
    public void Serialized_ZeroWindow_ReleasesTheEventsGivenWithoutSerializing()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.Zero }, _time, serializer: Serializer);
        var arrival = new[] { TestEvents.At(1), TestEvents.At(2) };

        var released = new ReleasedEvents();
        buffer.AddRange(arrival, released);

        Assert.Equal(arrival, released.Events, ReferenceEqualityComparer.Instance);
    }

    /// <summary>Attributes whose enumeration fails, as a serializer meets them.</summary>
    private sealed class UnknownAttributes : IReadOnlyDictionary<string, AttributeValue>
    {
        private readonly Dictionary<string, AttributeValue> _values = new(StringComparer.Ordinal) { ["k"] = AttributeValue.Of("v") };

        public AttributeValue this[string key] => _values[key];

        public IEnumerable<string> Keys => _values.Keys;

        public IEnumerable<AttributeValue> Values => _values.Values;

        public int Count => _values.Count;

        public bool ContainsKey(string key) => _values.ContainsKey(key);

        public bool TryGetValue(string key, out AttributeValue value) => _values.TryGetValue(key, out value);

        public IEnumerator<KeyValuePair<string, AttributeValue>> GetEnumerator() => throw new InvalidOperationException("These attributes cannot be enumerated.");

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<NormalizedEvent> AddOne(ReorderBuffer buffer)
    {
        var normalized = TestEvents.At(3);
        buffer.Add(normalized, new ReleasedEvents());
        return new WeakReference<NormalizedEvent>(normalized);
    }

    [Fact]
    public void Add_EventsWithinWindow_AreHeldUntilNewerTimeArrives()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time);
        var released = new ReleasedEvents();

        buffer.Add(TestEvents.At(10), released);
        buffer.Add(TestEvents.At(8), released);
        buffer.Add(TestEvents.At(12), released);
        Assert.Empty(released.Events);

        buffer.Add(TestEvents.At(15), released);
        Assert.Equal(["e8", "e10"], released.Events.Select(static e => e.EventId));
        Assert.Equal(TestEvents.Ingest.AddSeconds(10), buffer.Watermark);
        Assert.Equal(2, buffer.Count);
    }

    [Fact]
    public void Add_BehindWatermark_IsReleasedAtOnceFlaggedLate()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time);
        var released = new ReleasedEvents();
        buffer.AddRange([TestEvents.At(10), TestEvents.At(20)], released);

        buffer.Add(TestEvents.At(3), released);
        buffer.Add(TestEvents.At(10, "e10-again"), released);

        Assert.Equal(["e10", "e3", "e10-again"], released.Events.Select(static e => e.EventId));
        Assert.True(released.Events[1].Late);
        Assert.False(released.Events[2].Late);
    }

    [Fact]
    public void Add_Flood_NeverHoldsMoreThanTheBound()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromHours(1), MaxBufferedEvents = 1_000 }, _time);
        var released = new ReleasedEvents();
        var maxHeld = 0;

        for (var i = 0; i < 50_000; i++)
        {
            buffer.Add(TestEvents.At(TestEvents.Ingest.AddMilliseconds(i), $"e{i}"), released);
            maxHeld = Math.Max(maxHeld, buffer.Count);
        }

        buffer.Flush(released);

        Assert.Equal(1_000, maxHeld);
        Assert.Equal(50_000, released.Count);
        Assert.Equal(released.Events.OrderBy(static e => e.EffectiveTime).Select(static e => e.EventId), released.Events.Select(static e => e.EventId));
    }

    [Fact]
    public void Add_NoTimestamp_OrdersByObservedTime()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(1) }, _time);
        var released = new ReleasedEvents();

        buffer.Add(TestEvents.At(null, "late-ingest", observed: TestEvents.Ingest.AddSeconds(3)), released);
        buffer.Add(TestEvents.At(null, "early-ingest", observed: TestEvents.Ingest.AddSeconds(1)), released);
        buffer.Flush(released);

        Assert.Equal(["early-ingest", "late-ingest"], released.Events.Select(static e => e.EventId));
    }

    [Fact]
    public void ReleaseIdle_QuietForAWindow_ReleasesEverything()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, _time);
        var released = new ReleasedEvents();
        buffer.AddRange([TestEvents.At(2), TestEvents.At(1)], released);

        _time.Advance(TimeSpan.FromSeconds(4));
        buffer.ReleaseIdle(released);
        Assert.Empty(released.Events);

        _time.Advance(TimeSpan.FromSeconds(1));
        buffer.ReleaseIdle(released);
        Assert.Equal(["e1", "e2"], released.Events.Select(static e => e.EventId));
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void TryReleaseOldest_HeldForTheirWindow_ReleasesInTimeOrderAndCountsBytesDown()
    {
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromHours(1) }, _time, static e => e.EventId.Length * 100);
        var released = new ReleasedEvents();
        buffer.AddRange([TestEvents.At(30), TestEvents.At(10), TestEvents.At(20)], released);
        Assert.Empty(released.Events);
        Assert.Equal(900, buffer.HeldBytes);

        Assert.True(buffer.TryReleaseOldest(released));
        Assert.True(buffer.TryReleaseOldest(released));

        Assert.Equal(["e10", "e20"], released.Events.Select(static e => e.EventId));
        Assert.Equal(300, buffer.HeldBytes);
        // Released early: an event before them can no longer be put in place, and is flagged, not dropped.
        buffer.Add(TestEvents.At(15), released);
        Assert.True(released.Events[^1] is { EventId: "e15", Late: true });
        Assert.Equal(300, buffer.HeldBytes);

        buffer.Flush(released);
        Assert.Equal(0, buffer.HeldBytes);
        Assert.False(buffer.TryReleaseOldest(released));
    }

    /// <summary>
    /// One source whose clock runs 10 minutes ahead, and one stamped 9999-12-31, among a stream of events 0-900 ms old
    /// with a 2 s window: before, the first moved the release cut-off 10 minutes ahead, so 135 of the 160 events after it
    /// came out at once and late, and it stayed held while the stream was busy; now both come out at once, flagged late, in
    /// their arrival position, and every other event is held and released in time order, none late.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Add_EventsFarAheadOfTheClock_ReleasedAtOnceFlaggedLate_TheOthersKeepTheirOrder(bool serialized)
    {
        var time = new FakeTimeProvider(TestEvents.Ingest);
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(2) }, time, serializer: serialized ? Serializer : null);
        var random = new Random(11);
        var released = new ReleasedEvents();
        var sent = new List<NormalizedEvent>();
        for (var batch = 0; batch < 40; batch++)
        {
            // A batch of 4 every 100 ms, each 0-900 ms old when it arrives.
            time.Advance(TimeSpan.FromMilliseconds(100));
            var now = time.GetUtcNow();
            var events = Enumerable.Range(0, 4).Select(i => TestEvents.At(now.AddMilliseconds(-random.Next(0, 900)), $"b{batch:D2}-{i}")).ToList();
            if (batch == 5)
            {
                events.Insert(2, TestEvents.At(now.AddMinutes(10), "ahead-10min"));
            }

            if (batch == 20)
            {
                events.Add(TestEvents.At(DateTimeOffset.MaxValue, "year-9999"));
            }

            sent.AddRange(events);
            var before = released.Count;
            buffer.AddRange(events, released);
            foreach (var ahead in events.Where(static e => !e.EventId.StartsWith('b')))
            {
                // Out at once, in this batch's release, not held behind the stream.
                Assert.Contains(released.Events.Skip(before), e => e.EventId == ahead.EventId && e.Late);
            }
        }

        buffer.Flush(released);

        var ordered = released.Events.Where(static e => e.EventId.StartsWith('b')).ToList();
        Assert.Equal(160, ordered.Count);
        Assert.DoesNotContain(ordered, static e => e.Late);
        Assert.Equal(ordered.OrderBy(static e => e.EffectiveTime).Select(static e => e.EventId), ordered.Select(static e => e.EventId));
        Assert.Equal(["ahead-10min", "year-9999"], released.Events.Where(static e => e.Late).Select(static e => e.EventId));
        Assert.Equal(sent.Count, released.Count);
    }

    [Fact]
    public void Add_AtTheLimitAhead_PutInOrder_ATickPastIt_ReleasedLate()
    {
        var window = TimeSpan.FromSeconds(5);
        var time = new FakeTimeProvider(TestEvents.Ingest);
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = window }, time);
        var limit = TestEvents.Ingest + window + ReorderBuffer.AheadAllowance;
        var released = new ReleasedEvents();

        buffer.Add(TestEvents.At(limit, "at-limit"), released);
        buffer.Add(TestEvents.At(limit.AddTicks(1), "past-limit"), released);

        Assert.True(released.Events is [{ EventId: "past-limit", Late: true }]);
        Assert.Equal(1, buffer.Count);
        Assert.Null(buffer.Watermark);
    }

    /// <summary>
    /// An event without a timestamp is ordered by when the gateway (or an OTLP shipper) observed it: a silo whose clock is
    /// behind that one by more than the window flagged every such event late (helper-121). Only an event's own timestamp
    /// is held to the limit ahead.
    /// </summary>
    [Fact]
    public void Add_ObservedTimeAheadOfTheSilosClock_PutInOrder_NotLate()
    {
        var time = new FakeTimeProvider(TestEvents.Ingest);
        var buffer = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) }, time);
        var ahead = TestEvents.Ingest.AddMinutes(1);
        var released = new ReleasedEvents();

        buffer.Add(TestEvents.At(null, "second", observed: ahead.AddSeconds(1)), released);
        buffer.Add(TestEvents.At(null, "first", observed: ahead), released);
        buffer.Flush(released);

        Assert.Equal(["first", "second"], released.Events.Select(static e => e.EventId));
        Assert.DoesNotContain(released.Events, static e => e.Late);
    }

    [Fact]
    public void New_WithTheReplacedBuffersWatermark_AnEventBehindItIsLate()
    {
        var settings = new OrderingSettings { LatenessWindow = TimeSpan.FromSeconds(5) };
        var first = new ReorderBuffer(settings, _time);
        var released = new ReleasedEvents();
        first.Add(TestEvents.At(10), released);
        first.Flush(released);

        var next = new ReorderBuffer(settings with { LatenessWindow = TimeSpan.FromSeconds(1) }, _time, watermark: first.Watermark);
        next.Add(TestEvents.At(9), released);
        next.Add(TestEvents.At(10, "e10-again"), released);
        next.Flush(released);

        Assert.Equal(["e10", "e9", "e10-again"], released.Events.Select(static e => e.EventId));
        Assert.Equal([false, true, false], released.Events.Select(static e => e.Late));
    }
}
