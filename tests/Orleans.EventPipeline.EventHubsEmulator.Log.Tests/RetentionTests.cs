using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.EventHubsEmulator.Log.Retention;
using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class RetentionTests
{
    private const int PayloadBytes = 900;

    [Fact]
    public async Task ApplyRetentionAsync_OverRetentionBytes_DeletesOldestWholeSegmentsAndAdvancesBegin()
    {
        using var directory = new TempDirectory();
        var options = LogTesting.SmallSegments();
        options.RetentionBytes = 3 * 4096;
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        await AppendOneByOneAsync(log, 40);

        var segmentsBefore = log.SegmentCount;
        var deleted = await log.ApplyRetentionAsync();

        Assert.True(deleted > 0);
        Assert.Equal(segmentsBefore - deleted, log.SegmentCount);
        Assert.Equal(log.SegmentCount, directory.SegmentFiles().Length);
        Assert.True(directory.SegmentFiles().Sum(f => new FileInfo(f).Length) <= options.RetentionBytes);
        var begin = log.Info.BeginSequenceNumber;
        Assert.True(begin > 0);
        Assert.Equal(begin, log.Resolve(LogPosition.Earliest));
        Assert.Equal(begin, log.Resolve(LogPosition.FromSequenceNumber(0, inclusive: true)));
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), begin, 40 - (int)begin, PayloadBytes);
        var firstFile = Path.GetFileName(directory.SegmentFiles()[0]);
        Assert.StartsWith(begin.ToString("D20", System.Globalization.CultureInfo.InvariantCulture), firstFile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyRetentionAsync_TinyRetentionBytes_NeverDeletesTheActiveSegment()
    {
        using var directory = new TempDirectory();
        var options = LogTesting.SmallSegments();
        options.RetentionBytes = 1;
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        await AppendOneByOneAsync(log, 20);

        await log.ApplyRetentionAsync();

        Assert.Equal(1, log.SegmentCount);
        Assert.Equal(19, log.Info.LastSequenceNumber);
        Assert.False(log.Info.IsEmpty);
        var next = await log.AppendAsync(Payloads.One(20, PayloadBytes));
        Assert.Equal(20, next.FirstSequenceNumber);
    }

    [Fact]
    public async Task ApplyRetentionAsync_SegmentsOlderThanRetentionAge_DeletesOnlyThose()
    {
        using var directory = new TempDirectory();
        var (clock, options) = SmallSegmentsOnFakeClock();
        options.RetentionAge = TimeSpan.FromHours(1);
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        await AppendOneByOneAsync(log, 20);

        clock.Advance(TimeSpan.FromMinutes(90));
        var recent = await log.AppendAsync(Payloads.Batch(20, 10, PayloadBytes));
        var segmentsBefore = log.SegmentCount;

        var deleted = await log.ApplyRetentionAsync();

        Assert.True(deleted > 0);
        Assert.Equal(segmentsBefore - deleted, log.SegmentCount);
        var records = await LogTesting.ReadAllAsync(log);
        Assert.All(records.Where(r => r.SequenceNumber < 20), r => Assert.True(r.EnqueuedTime < recent.EnqueuedTime));
        Assert.Equal(29, records[^1].SequenceNumber);
        Assert.Equal(0, await log.ApplyRetentionAsync());
    }

    [Fact]
    public async Task RetentionTimer_IntervalElapses_DeletesExpiredSegmentsOverSeveralPasses()
    {
        using var directory = new TempDirectory();
        var (clock, options) = SmallSegmentsOnFakeClock();
        options.RetentionAge = TimeSpan.FromMinutes(30);
        // Interval = the advance below, so the timer requests exactly one pass.
        options.RetentionCheckInterval = TimeSpan.FromMinutes(31);
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        await AppendOneByOneAsync(log, 40);

        // The passes the rolls queued found nothing expired; let them finish before the clock moves.
        await LogTesting.WaitUntilAsync(() => log.RetentionIdle);
        var segmentsBefore = log.SegmentCount;
        clock.Advance(TimeSpan.FromMinutes(31));

        // A pass deletes at most MaxDeletesPerPass, so one request reaches one segment only through follow-up passes.
        Assert.True(segmentsBefore > RetentionEnforcer.MaxDeletesPerPass + 1, $"{segmentsBefore} segments");
        await LogTesting.WaitUntilAsync(() => log.SegmentCount == 1 && directory.SegmentFiles().Length == 1);
        Assert.Equal(39, log.Info.LastSequenceNumber);
    }

    [Fact]
    public async Task SegmentRoll_OverRetentionBytes_DeletesOldestWithoutWaitingForTheTimer()
    {
        using var directory = new TempDirectory();
        var (clock, options) = SmallSegmentsOnFakeClock();
        options.RetentionBytes = 3 * 4096;
        options.RetentionCheckInterval = TimeSpan.FromHours(1);
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        await AppendOneByOneAsync(log, 60);

        // The fake clock never advances, so only the passes queued by the rolls can have deleted. A
        // pass counts the active segment too, which has grown since the last roll: only the sealed
        // segments are sure to fit in RetentionBytes by now.
        await LogTesting.WaitUntilAsync(() => SealedSegmentBytesOnDisk(directory) <= options.RetentionBytes);
        // A pass still queued could move the beginning while the records are read; settle it first.
        await LogTesting.WaitUntilAsync(() => log.RetentionIdle);
        await log.ApplyRetentionAsync();
        var begin = log.Info.BeginSequenceNumber;
        Assert.True(begin > 0);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), begin, 60 - (int)begin, PayloadBytes);
    }

    [Fact]
    public async Task OpenAsync_AfterRetention_KeepsBeginAndContinuesSequenceNumbers()
    {
        using var directory = new TempDirectory();
        var options = LogTesting.SmallSegments();
        options.RetentionBytes = 2 * 4096;
        long begin;
        await using (var log = await PartitionLog.OpenAsync(directory.Path, options))
        {
            await AppendOneByOneAsync(log, 30);

            await log.ApplyRetentionAsync();
            begin = log.Info.BeginSequenceNumber;
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path, options);

        Assert.Equal(begin, reopened.Info.BeginSequenceNumber);
        Assert.Equal(30, (await reopened.AppendAsync(Payloads.One(30, PayloadBytes))).FirstSequenceNumber);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), begin, 31 - (int)begin, PayloadBytes);
    }

    /// <summary>Sizes of the segment files but the active (last) one; one deleted while being listed counts as gone.</summary>
    private static long SealedSegmentBytesOnDisk(TempDirectory directory) =>
        directory.SegmentFiles().SkipLast(1).Select(static path => new FileInfo(path)).Where(static file => file.Exists).Sum(static file => file.Length);

    private static (FakeTimeProvider Clock, PartitionLogOptions Options) SmallSegmentsOnFakeClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = LogTesting.SmallSegments();
        options.TimeProvider = clock;
        return (clock, options);
    }

    /// <summary>Appends records 0..count-1 one call each, so every roll happens between appends.</summary>
    private static async Task AppendOneByOneAsync(PartitionLog log, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await log.AppendAsync(Payloads.One(i, PayloadBytes));
        }
    }
}
