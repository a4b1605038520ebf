using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

public sealed class ArchiveCatalogTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly LocalDirectoryArchiveStore _store;

    public ArchiveCatalogTests() => _store = new LocalDirectoryArchiveStore(_directory.Path);

    [Theory]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z", "9999-12-31T23:00:00Z", "9999-12-31T23:59:59.9999999Z")]
    public async Task ReadRangeAsync_EventAtTheEndsOfTime_IsArchivedAndFound(string time, string from, string to)
    {
        static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = new ArchiveWriter(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), TimeProvider.System, NullLogger.Instance))
        {
            writer.Add([TestEvents.At(At(time), "edge")], 1);
            await writer.FlushAsync(CancellationToken.None);
        }

        var found = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", At(from), At(to), CancellationToken.None);

        Assert.Equal(At(time), Assert.Single(found).Timestamp);
    }

    /// <summary>
    /// An object sits in the hour of its first event: a first event whose clock is far off (1970, or 2031) put live events
    /// in a folder no range listing for their time reads. Markers in their hours' folders list the object there too, once.
    /// </summary>
    [Theory]
    [InlineData("1970-01-01T00:00:00Z")]
    [InlineData("2031-06-01T00:00:00Z")]
    [InlineData("2024-05-01T05:30:00Z")]
    public async Task ListAsync_AFirstEventFarFromTheOthers_TheObjectIsFoundForEachOfTheirHoursOnce(string firstTime)
    {
        var live = new DateTimeOffset(2024, 5, 1, 12, 10, 0, TimeSpan.Zero);
        var first = DateTimeOffset.Parse(firstTime, System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = new ArchiveWriter(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), TimeProvider.System, NullLogger.Instance))
        {
            writer.Add([TestEvents.At(first, "off")], 1);
            writer.Add([TestEvents.At(live, "live-1"), TestEvents.At(live.AddMinutes(75), "live-2")], 2);
            await writer.FlushAsync(CancellationToken.None);
        }

        var now = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", live.AddMinutes(-5), live.AddMinutes(5), CancellationToken.None);
        var later = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", live.AddMinutes(70), live.AddMinutes(80), CancellationToken.None);
        var off = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", first, first.AddMinutes(1), CancellationToken.None);
        var names = new List<ArchiveObjectName>();
        await foreach (var name in ArchiveCatalog.ListAsync(_store, "tenant-a", live.AddHours(-1), live.AddHours(3), CancellationToken.None))
        {
            names.Add(name);
        }

        Assert.Equal(["live-1"], now.Select(static e => e.EventId));
        Assert.Equal(["live-2"], later.Select(static e => e.EventId));
        Assert.Equal(["off"], off.Select(static e => e.EventId));
        var listed = Assert.Single(names);
        Assert.Equal(ArchiveObjectName.TruncateToHour(first), listed.Hour);
    }

    /// <summary>
    /// A replay after a crash rebuilds an object longer and deletes the old one, but not the markers the old one left.
    /// Here the rebuild's markers go elsewhere: events in a 25th far hour push the old one's last marked hour out of the
    /// 24 (ArchiveWriter.MaxSpillHours). A marker lists the object as it is now in its own hour, once, and its events
    /// are read once (listed through the stale marker as well, the deleted name was read as the rebuild a second time).
    /// </summary>
    [Fact]
    public async Task ListAsync_AMarkerOfAnObjectARebuildReplaced_ListsTheRebuildOnce()
    {
        var home = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var farHours = Enumerable.Range(0, ArchiveWriter.MaxSpillHours).Select(k => home.AddHours(2 + k)).ToList();
        IReadOnlyList<NormalizedEvent> firstBatch =
            [TestEvents.At(home, "a"), .. farHours.SelectMany(h => new[] { TestEvents.At(h, $"{h:HH}-1"), TestEvents.At(h.AddMinutes(1), $"{h:HH}-2") })];
        var added = home.AddHours(2 + ArchiveWriter.MaxSpillHours);
        using (var before = new ArchiveWriter(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), TimeProvider.System, NullLogger.Instance))
        {
            before.Add(firstBatch, 1);
            await before.FlushAsync(CancellationToken.None);
        }

        using (var rebuild = new ArchiveWriter(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), TimeProvider.System, NullLogger.Instance))
        {
            rebuild.Add(firstBatch, 1);
            rebuild.Add([TestEvents.At(added, "x"), TestEvents.At(added, "y"), TestEvents.At(added, "z")], 2);
            await rebuild.FlushAsync(CancellationToken.None);
        }

        // The last of the 24 hours: only the old object's marker is there; the hour before it has the rebuild's.
        var dropped = farHours[^1];
        var names = new List<ArchiveObjectName>();
        await foreach (var name in ArchiveCatalog.ListAsync(_store, "tenant-a", dropped, dropped.AddMinutes(10), CancellationToken.None))
        {
            names.Add(name);
        }

        var events = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", dropped, dropped.AddMinutes(10), CancellationToken.None);

        var listed = Assert.Single(names);
        Assert.Equal((1L, 2L), (listed.FirstSequence, listed.LastSequence));
        Assert.Equal([$"{dropped:HH}-1", $"{dropped:HH}-2"], events.Select(static e => e.EventId));
    }

    [Fact]
    public void SpillName_ParsesBackToItsObject_AndNothingElseParsesAsOne()
    {
        var name = new ArchiveObjectName("tenant-a", new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero), "tenant-a#3", 7, 9);
        var marker = name.SpillName(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal("tenant-a/2024/05/01/12/tenant-a#3-00000000000000000007-00000000000000000009.1970010100.spill", marker);
        Assert.True(ArchiveObjectName.TryParseSpill(marker, out var target));
        Assert.Equal(name, target);
        Assert.False(ArchiveObjectName.TryParse(marker, out _));
        Assert.False(ArchiveObjectName.TryParseSpill(name.Name, out _));
        Assert.False(ArchiveObjectName.TryParseSpill("tenant-a/2024/05/01/12/x.notahour.spill", out _));
    }

    [Fact]
    public async Task ListAsync_TimeRange_ReturnsThatTenantsObjectsOfThoseHoursInOrder()
    {
        // Objects at 09:00, 10:00, 11:00, 12:00 and 14:00 for tenant-a, and one at 11:00 for tenant-b.
        long sequence = 0;
        foreach (var hour in new[] { 9, 10, 11, 12, 14 })
        {
            await ArchiveAsync("tenant-a", hour, sequence++);
        }

        await ArchiveAsync("tenant-b", 11, 0);
        var day = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);

        var names = new List<ArchiveObjectName>();
        await foreach (var name in ArchiveCatalog.ListAsync(_store, "tenant-a", day.AddHours(11).AddMinutes(30), day.AddHours(13), CancellationToken.None))
        {
            names.Add(name);
        }

        // 10:00 is listed too: an object holds up to an hour of events after its folder's hour.
        Assert.Equal([10, 11, 12], names.Select(static n => n.Hour.Hour));
        Assert.All(names, static n => Assert.Equal("tenant-a", n.TenantId));
    }

    [Fact]
    public async Task ReadRangeAsync_TimeRange_ReturnsOnlyEventsInside()
    {
        await ArchiveAsync("tenant-a", 11, 0);
        await ArchiveAsync("tenant-a", 12, 1);
        var day = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);

        var events = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", day.AddHours(11).AddMinutes(30), day.AddHours(13), CancellationToken.None);

        Assert.Equal(["h11-45", "h12-15", "h12-45"], events.Select(static e => e.EventId));
    }

    [Fact]
    public async Task ReadRangeAsync_ReplayRebuiltAnObjectAndTheOldOneIsStillThere_EachEventOnce()
    {
        var (old, oldBytes) = await ArchiveThenRebuildAsync();

        // As a reader sees it between the rebuilt object's write and the old one's delete (or after a delete that failed).
        await _store.WriteAsync(old.Name, oldBytes, CancellationToken.None);
        var stored = new List<string>();
        await foreach (var name in _store.ListAsync("tenant-a/", CancellationToken.None))
        {
            stored.Add(name);
        }

        var events = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", RebuildHour, RebuildHour.AddHours(1), CancellationToken.None);

        Assert.Equal(2, stored.Count);
        Assert.Equal(["b2", "b3", "b4"], events.Select(static e => e.EventId));
    }

    [Fact]
    public async Task ReadAsync_ObjectSupersededAfterItWasListed_ReadsTheRebuild()
    {
        // Listed before the replay wrote its rebuild, read after the replay deleted it.
        var (old, _) = await ArchiveThenRebuildAsync();

        var events = await ArchiveCatalog.ReadAsync(_store, old, CancellationToken.None);

        Assert.Null(await _store.OpenReadAsync(old.Name, CancellationToken.None));
        Assert.Equal(["b2", "b3", "b4"], events.Select(static e => e.EventId));
    }

    public void Dispose() => _directory.Dispose();

    // One object per hour holding events at :15 and :45.
    private async Task ArchiveAsync(string tenant, int hour, long sequence)
    {
        var start = new DateTimeOffset(2024, 5, 1, hour, 0, 0, TimeSpan.Zero);
        using var writer = new ArchiveWriter(_store, tenant, tenant, new ArchiveFlushPolicy(), new FakeTimeProvider(start), NullLogger.Instance);
        writer.Add([TestEvents.At(start.AddMinutes(15), $"h{hour}-15", tenant), TestEvents.At(start.AddMinutes(45), $"h{hour}-45", tenant)], sequence);
        await writer.FlushAsync(CancellationToken.None);
    }

    private static readonly DateTimeOffset RebuildHour = new(2024, 5, 1, 11, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Batches 2 and 3 archived as one object the processor never recorded; then its replay, which reached batch 4
    /// before its cut, writes the rebuild and deletes the old object. Returns the old object's name and bytes.
    /// </summary>
    private async Task<(ArchiveObjectName Old, byte[] Bytes)> ArchiveThenRebuildAsync()
    {
        var time = new FakeTimeProvider(RebuildHour);
        IReadOnlyList<NormalizedEvent> Batch(int n) => [TestEvents.At(RebuildHour.AddMinutes(n), $"b{n}", "tenant-a")];
        ArchiveObjectName old;
        using (var before = new ArchiveWriter(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), time, NullLogger.Instance))
        {
            before.Add(Batch(2), 2);
            before.Add(Batch(3), 3);
            old = (await before.FlushAsync(CancellationToken.None))!.Value;
        }

        byte[] bytes;
        await using (var read = (await _store.OpenReadAsync(old.Name, CancellationToken.None))!)
        {
            using var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            bytes = copy.ToArray();
        }

        using (var replay = new ArchiveWriter(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), time, NullLogger.Instance))
        {
            replay.ResumeAfter(1);
            replay.Add(Batch(2), 2);
            replay.Add(Batch(3), 3);
            replay.Add(Batch(4), 4);
            await replay.FlushAsync(CancellationToken.None);
        }

        return (old, bytes);
    }
}
