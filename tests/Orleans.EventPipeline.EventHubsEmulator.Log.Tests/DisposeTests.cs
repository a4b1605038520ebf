using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class DisposeTests
{
    [Fact]
    public async Task DisposeAsync_WithQueuedAppends_CommitsThemBeforeClosing()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { FileFactory = files });
        files.HoldFlushes();
        var inFlight = log.AppendAsync(Payloads.One(0, 10)).AsTask();
        await files.FlushEntered.WaitAsync(LogTesting.Timeout);
        var queued = log.AppendAsync(Payloads.One(1, 10)).AsTask();

        var disposing = log.DisposeAsync().AsTask();
        files.ReleaseFlushes();
        await disposing.WaitAsync(LogTesting.Timeout);

        Assert.Equal(1, (await queued).FirstSequenceNumber);
        Assert.True(inFlight.IsCompletedSuccessfully);
        await using var reopened = await PartitionLog.OpenAsync(directory.Path);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 2, 10);
    }

    [Fact]
    public async Task DisposeAsync_CalledTwice_IsHarmlessAndLaterCallsThrowObjectDisposed()
    {
        using var directory = new TempDirectory();
        var log = await PartitionLog.OpenAsync(directory.Path);

        await log.DisposeAsync();
        await log.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.AppendAsync(Payloads.One(0, 10)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.ReadAsync(0, 1, new List<LogRecord>()));
        Assert.Throws<ObjectDisposedException>(() => log.Resolve(LogPosition.Earliest));
    }
}
