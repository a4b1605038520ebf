using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task AppendAsync_CallersQueuedBehindAnFsync_ShareTheNextFsync()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        await using var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { FileFactory = files });
        files.HoldFlushes();

        var first = log.AppendAsync(Payloads.One(0, 100)).AsTask();
        await files.FlushEntered.WaitAsync(LogTesting.Timeout);
        var queued = Enumerable.Range(1, 50).Select(i => log.AppendAsync(Payloads.One(i, 100)).AsTask()).ToList();

        Assert.False(first.IsCompleted, "An append must not complete before its fsync finishes.");
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        Assert.Equal(-1, log.Info.LastSequenceNumber);
        Assert.Equal(0, await log.ReadAsync(0, 100, new List<LogRecord>()));

        files.ReleaseFlushes();
        await Task.WhenAll(queued.Append(first)).WaitAsync(LogTesting.Timeout);

        Assert.Equal(2, log.CommitCount);
        Assert.Equal(2, files.FlushCount);
        Assert.Equal(51, log.AppendedRecordCount);
        Assert.Equal(50, log.Info.LastSequenceNumber);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), 0, 51, 100);
    }

    [Fact]
    public async Task AppendAsync_ManyConcurrentCallers_EachCompletesOnlyAfterItsRecordsAreCommitted()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        var violations = 0;

        var appends = Enumerable.Range(0, 200).Select(async i =>
        {
            await Task.Yield();
            var result = await log.AppendAsync(Payloads.Batch(i, 5, 64));
            if (log.Info.LastSequenceNumber < result.LastSequenceNumber)
            {
                Interlocked.Increment(ref violations);
            }
        });
        await Task.WhenAll(appends).WaitAsync(LogTesting.Timeout);

        Assert.Equal(0, violations);
        Assert.Equal(1000, log.AppendedRecordCount);
        Assert.InRange(log.CommitCount, 1, 200);
        Assert.Equal(1000, (await LogTesting.ReadAllAsync(log)).Count);
    }
}
