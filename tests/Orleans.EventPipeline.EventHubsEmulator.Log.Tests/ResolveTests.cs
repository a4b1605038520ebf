using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class ResolveTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Resolve_EmptyLog_EveryPositionIsZero()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);

        Assert.Equal(0, log.Resolve(LogPosition.Earliest));
        Assert.Equal(0, log.Resolve(LogPosition.Latest));
        Assert.Equal(0, log.Resolve(LogPosition.FromOffset(0, inclusive: true)));
        Assert.Equal(0, log.Resolve(LogPosition.FromSequenceNumber(5, inclusive: true)));
        Assert.Equal(0, log.Resolve(LogPosition.FromEnqueuedTime(Start)));
    }

    [Fact]
    public async Task Resolve_EarliestAndLatest_ReturnBeginAndNext()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        await log.AppendAsync(Payloads.Batch(0, 5, 10));

        Assert.Equal(0, log.Resolve(LogPosition.Earliest));
        Assert.Equal(5, log.Resolve(LogPosition.Latest));
    }

    [Fact]
    public async Task Resolve_SequenceNumber_HonoursInclusiveAndClamps()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        await log.AppendAsync(Payloads.Batch(0, 5, 10));

        Assert.Equal(2, log.Resolve(LogPosition.FromSequenceNumber(2, inclusive: true)));
        Assert.Equal(3, log.Resolve(LogPosition.FromSequenceNumber(2, inclusive: false)));
        Assert.Equal(5, log.Resolve(LogPosition.FromSequenceNumber(4, inclusive: false)));
        Assert.Equal(5, log.Resolve(LogPosition.FromSequenceNumber(99, inclusive: true)));
        Assert.Equal(0, log.Resolve(LogPosition.FromSequenceNumber(-7, inclusive: true)));
    }

    [Fact]
    public async Task Resolve_Offset_HonoursInclusiveAndMapsBetweenRecordsToTheNext()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        await log.AppendAsync(Payloads.Batch(0, 5, 10));
        var records = await LogTesting.ReadAllAsync(log);

        Assert.Equal(2, log.Resolve(LogPosition.FromOffset(records[2].Offset, inclusive: true)));
        Assert.Equal(3, log.Resolve(LogPosition.FromOffset(records[2].Offset, inclusive: false)));
        Assert.Equal(3, log.Resolve(LogPosition.FromOffset(records[2].Offset + 1, inclusive: true)));
        Assert.Equal(5, log.Resolve(LogPosition.FromOffset(records[4].Offset, inclusive: false)));
        Assert.Equal(5, log.Resolve(LogPosition.FromOffset(long.MaxValue, inclusive: true)));
        Assert.Equal(0, log.Resolve(LogPosition.FromOffset(-1, inclusive: false)));
    }

    [Fact]
    public async Task Resolve_EnqueuedTime_ReturnsFirstRecordStrictlyAfter()
    {
        using var directory = new TempDirectory();
        var clock = new FakeTimeProvider(Start);
        await using var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { TimeProvider = clock });
        await log.AppendAsync(Payloads.Batch(0, 3, 10));
        clock.Advance(TimeSpan.FromSeconds(1));
        await log.AppendAsync(Payloads.Batch(3, 3, 10));

        Assert.Equal(0, log.Resolve(LogPosition.FromEnqueuedTime(Start.AddMilliseconds(-1))));
        Assert.Equal(3, log.Resolve(LogPosition.FromEnqueuedTime(Start)));
        Assert.Equal(3, log.Resolve(LogPosition.FromEnqueuedTime(Start.AddMilliseconds(500))));
        Assert.Equal(6, log.Resolve(LogPosition.FromEnqueuedTime(Start.AddSeconds(1))));
    }

    [Fact]
    public async Task Resolve_EveryRecordAcrossSegmentsAndAfterRestart_UsesTheIndex()
    {
        using var directory = new TempDirectory();
        var clock = new FakeTimeProvider(Start);
        var options = LogTesting.SmallSegments();
        options.TimeProvider = clock;
        var results = new List<AppendResult>();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, options))
        {
            for (var i = 0; i < 80; i++)
            {
                results.Add(await log.AppendAsync(Payloads.One(i, 150 + (i % 7 * 40))));
                clock.Advance(TimeSpan.FromSeconds(1));
            }

            Assert.True(log.SegmentCount > 5);
            AssertResolvesEveryRecord(log, results);
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path, options);
        AssertResolvesEveryRecord(reopened, results);
    }

    private static void AssertResolvesEveryRecord(PartitionLog log, List<AppendResult> results)
    {
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            Assert.Equal(i, log.Resolve(LogPosition.FromOffset(result.LastOffset, inclusive: true)));
            Assert.Equal(i + 1, log.Resolve(LogPosition.FromOffset(result.LastOffset, inclusive: false)));
            Assert.Equal(i + 1, log.Resolve(LogPosition.FromOffset(result.LastOffset + 1, inclusive: true)));
            Assert.Equal(i, log.Resolve(LogPosition.FromSequenceNumber(i, inclusive: true)));
            Assert.Equal(i, log.Resolve(LogPosition.FromEnqueuedTime(result.EnqueuedTime.AddMilliseconds(-1))));
            Assert.Equal(i + 1, log.Resolve(LogPosition.FromEnqueuedTime(result.EnqueuedTime)));
        }
    }
}
