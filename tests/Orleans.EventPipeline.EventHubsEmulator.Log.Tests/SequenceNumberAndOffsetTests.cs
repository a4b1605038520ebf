using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class SequenceNumberAndOffsetTests
{
    [Fact]
    public async Task Info_NewLog_IsEmptyWithMinusOne()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);

        Assert.Equal(new PartitionLogInfo(-1, -1, -1, DateTimeOffset.MinValue, true), log.Info);
    }

    [Fact]
    public async Task AppendAsync_NewLog_SequenceNumbersStartAtZeroAndOffsetsIncrease()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);

        var first = await log.AppendAsync(Payloads.Batch(0, 3, 10));
        var second = await log.AppendAsync(Payloads.Batch(3, 2, 10));

        Assert.Equal((0, 2), (first.FirstSequenceNumber, first.LastSequenceNumber));
        Assert.Equal((3, 4), (second.FirstSequenceNumber, second.LastSequenceNumber));
        Assert.True(second.LastOffset > first.LastOffset);
        var records = await LogTesting.ReadAllAsync(log);
        LogTesting.AssertRecords(records, 0, 5, 10);
        Assert.Equal(first.LastOffset, records[2].Offset);
        Assert.Equal(second.LastOffset, records[4].Offset);
        Assert.Equal(0, records[0].Offset);
        Assert.Equal(new PartitionLogInfo(0, 4, second.LastOffset, second.EnqueuedTime, false), log.Info);
    }
}
