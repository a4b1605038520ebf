using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class IoFaultTests
{
    private static readonly PartitionLogOptions Options = new() { FailureRetryInterval = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task AppendAsync_WriteFails_RefusesAppendsWhileFailingAndKeepsReadersWaiting()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { FileFactory = files, FailureRetryInterval = Options.FailureRetryInterval }))
        {
            await log.AppendAsync(Payloads.Batch(0, 5, 100));
            var reader = log.WaitForRecordAsync(5).AsTask();
            files.FailWrites = true;

            var failure = await Assert.ThrowsAsync<PartitionLogFailedException>(async () => await log.AppendAsync(Payloads.Batch(5, 5, 100)));
            Assert.IsType<IOException>(failure.InnerException);
            Assert.False(failure.OutOfSpace);
            Assert.False(log.Health.CanAppend);
            Assert.Contains("Injected write fault", log.Health.Reason, StringComparison.Ordinal);

            // Recovery attempts fail while the fault lasts, and so does every append meanwhile.
            await LogTesting.WaitUntilAsync(() => files.FaultCount >= 3);
            await Assert.ThrowsAsync<PartitionLogFailedException>(async () => await log.AppendAsync(Payloads.One(10, 100)));
            Assert.Equal(4, log.Info.LastSequenceNumber);
            LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), 0, 5, 100);
            Assert.False(reader.IsCompleted);

            files.FailWrites = false;
            await LogTesting.WaitUntilAsync(() => log.Health.CanAppend);
            Assert.Equal(5, (await log.AppendAsync(Payloads.One(5, 100))).FirstSequenceNumber);
            await reader.WaitAsync(LogTesting.Timeout);
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 6, 100);
    }

    [Fact]
    public async Task AppendAsync_FsyncFails_FaultsEveryWaitingAppendAndAcknowledgesNothing()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { FileFactory = files, FailureRetryInterval = Options.FailureRetryInterval }))
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

        // The refused records were written whole before their fsync failed: they must be gone.
        await using var reopened = await PartitionLog.OpenAsync(directory.Path);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 3, 100);
    }
}
