using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class IoFaultTests
{
    [Fact]
    public async Task AppendAsync_WriteFails_FaultsThatAppendAndEveryLaterOne()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { FileFactory = files }))
        {
            await log.AppendAsync(Payloads.Batch(0, 5, 100));
            files.FailWrites = true;

            var failure = await Assert.ThrowsAsync<PartitionLogFailedException>(async () => await log.AppendAsync(Payloads.Batch(5, 5, 100)));
            Assert.IsType<IOException>(failure.InnerException);

            files.FailWrites = false;
            await Assert.ThrowsAsync<PartitionLogFailedException>(async () => await log.AppendAsync(Payloads.One(10, 100)));
            Assert.Equal(4, log.Info.LastSequenceNumber);
            LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), 0, 5, 100);
            await Assert.ThrowsAsync<PartitionLogFailedException>(async () => await log.WaitForRecordAsync(5).AsTask().WaitAsync(LogTesting.Timeout));
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 5, 100);
        Assert.Equal(5, (await reopened.AppendAsync(Payloads.One(5, 100))).FirstSequenceNumber);
    }

    [Fact]
    public async Task AppendAsync_FsyncFails_FaultsEveryWaitingAppendAndAcknowledgesNothing()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { FileFactory = files }))
        {
            await log.AppendAsync(Payloads.Batch(0, 3, 100));
            files.FailFlushes = true;
            files.HoldFlushes();

            var inFlight = log.AppendAsync(Payloads.One(3, 100)).AsTask();
            await files.FlushEntered.WaitAsync(LogTesting.Timeout);
            var queued = Enumerable.Range(4, 10).Select(i => log.AppendAsync(Payloads.One(i, 100)).AsTask()).ToList();
            files.ReleaseFlushes();

            foreach (var append in queued.Prepend(inFlight))
            {
                await Assert.ThrowsAsync<PartitionLogFailedException>(() => append.WaitAsync(LogTesting.Timeout));
            }

            Assert.Equal(1, log.CommitCount);
            Assert.Equal(2, log.Info.LastSequenceNumber);
            LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), 0, 3, 100);
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 3, 100);
    }
}
