using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

/// <summary>
/// An event the archive cannot write as JSON (a non-finite double) costs only itself: the writer never
/// keeps part of a line or part of a batch, so nothing is lost and nothing written twice.
/// </summary>
public sealed class ArchiveWriterAtomicityTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(TestEvents.Ingest);
    private readonly LocalDirectoryArchiveStore _store;

    public ArchiveWriterAtomicityTests() => _store = new LocalDirectoryArchiveStore(_directory.Path);

    [Fact]
    public async Task Add_InfinityInTheMiddleOfABatch_BuffersTheOthersAndReportsIt()
    {
        using var writer = Writer();
        var first = Events("a", 100, poisonAt: 50);
        var unformattable = new List<EventFailure>();

        Assert.True(writer.Add(first, 1, unformattable));
        Assert.True(writer.Add(Events("b", 10), 2, unformattable));
        await writer.FlushAsync(CancellationToken.None);

        var failure = Assert.Single(unformattable);
        Assert.Same(first[50], failure.Event);
        Assert.Equal(50, failure.Position);
        Assert.Contains("cannot be written as JSON", failure.Reason, StringComparison.Ordinal);
        var archived = await Archived();
        Assert.Equal(Ids(first.Where(static (_, i) => i != 50).Concat(Events("b", 10))), Ids(archived));
    }

    [Fact]
    public async Task Add_UnformattableEventWithoutFailureList_ThrowsAndKeepsNothingOfThatBatch()
    {
        using var writer = Writer();
        writer.Add(Events("a", 10), 1);

        var error = Assert.Throws<ArgumentException>(() => writer.Add(Events("b", 100, poisonAt: 50), 2));
        Assert.Equal(10, writer.BufferedEvents);
        Assert.True(writer.Add(Events("c", 10), 3));
        await writer.FlushAsync(CancellationToken.None);

        Assert.Contains("b50", error.Message, StringComparison.Ordinal);
        Assert.Equal(Ids(Events("a", 10).Concat(Events("c", 10))), Ids(await Archived()));
    }

    [Fact]
    public async Task Add_UnformattableEventAfterALargeBody_LeavesNoPartOfItsLine()
    {
        using var writer = Writer();
        writer.Add(Events("a", 1), 1);
        var bytes = writer.BufferedBytes;
        // 300 KB of body makes the JSON writer hand bytes to the buffer before it reaches the bad attribute.
        var large = Events("b", 1, poisonAt: 0)[0] with { Body = new string('x', 300_000) };
        var unformattable = new List<EventFailure>();

        Assert.False(writer.Add([large], 2, unformattable));
        Assert.Equal(bytes, writer.BufferedBytes);
        await writer.FlushAsync(CancellationToken.None);

        Assert.Single(unformattable);
        Assert.Equal(["a0"], (await Archived()).Select(static e => e.EventId));
    }

    [Fact]
    public async Task RemoveLast_TakesBackTheLastBatchSoItsRedeliveryIsArchivedOnce()
    {
        using var writer = Writer();
        writer.Add(Events("a", 3), 1);
        writer.Add(Events("b", 3), 2);

        Assert.Throws<InvalidOperationException>(() => writer.RemoveLast(1));
        writer.RemoveLast(2);
        Assert.Equal(3, writer.BufferedEvents);
        Assert.True(writer.Add(Events("b", 3), 2));
        await writer.FlushAsync(CancellationToken.None);

        Assert.Equal(["a0", "a1", "a2", "b0", "b1", "b2"], Ids(await Archived()));
        Assert.Throws<InvalidOperationException>(() => writer.RemoveLast(2));
    }

    [Fact]
    public async Task Discard_DropsTheBufferAsIfArchived_SoItsReplayAddsNothingAndLaterBatchesAreArchived()
    {
        // A delete that removes the tenant's data: what is buffered is never written, and a replay after a crash must
        // not bring it back.
        using var writer = Writer();
        writer.Add(Events("a", 3), 1);
        writer.Add(Events("b", 3), 2);

        Assert.Equal(6, writer.Discard());
        Assert.Equal(0, writer.BufferedEvents);
        Assert.Equal(2, writer.ArchivedThrough);
        Assert.Null(await writer.FlushAsync(CancellationToken.None));
        Assert.False(writer.Add(Events("b", 3), 2));
        Assert.True(writer.Add(Events("c", 3), 3));
        await writer.FlushAsync(CancellationToken.None);

        Assert.Equal(["c0", "c1", "c2"], Ids(await Archived()));
        Assert.Equal(0, writer.Discard());
    }

    [Fact]
    public async Task Add_StringWithLoneSurrogate_IsWrittenWithReplacementCharacter()
    {
        using var writer = Writer();
        var unformattable = new List<EventFailure>();

        writer.Add([TestEvents.At(0) with { Body = "a\ud800b" }], 1, unformattable);
        await writer.FlushAsync(CancellationToken.None);

        Assert.Empty(unformattable);
        Assert.Equal("a\ufffdb", Assert.Single(await Archived()).Body);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Events "{prefix}{i}", one second apart; the one at <paramref name="poisonAt"/> carries an infinite double.</summary>
    private static List<NormalizedEvent> Events(string prefix, int count, int poisonAt = -1) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var e = TestEvents.At(TestEvents.Ingest.AddSeconds(i), $"{prefix}{i}");
            return i == poisonAt ? e with { Attributes = new Dictionary<string, AttributeValue> { ["n"] = double.PositiveInfinity } } : e;
        }).ToList();

    /// <summary>Event ids sorted, duplicates kept: equal lists mean every event exactly once.</summary>
    private static List<string> Ids(IEnumerable<NormalizedEvent> events) => [.. events.Select(static e => e.EventId).Order(StringComparer.Ordinal)];

    private ArchiveWriter Writer() => new(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), _time, NullLogger.Instance);

    private async Task<IReadOnlyList<NormalizedEvent>> Archived() =>
        await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", TestEvents.Ingest.AddHours(-1), TestEvents.Ingest.AddHours(1), CancellationToken.None);
}
