using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class WaitForRecordTests
{
    [Fact]
    public async Task WaitForRecordAsync_RecordAlreadyCommitted_CompletesImmediately()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        await log.AppendAsync(Payloads.Batch(0, 3, 10));

        Assert.True(log.WaitForRecordAsync(2).AsTask().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitForRecordAsync_RecordAppendedLater_CompletesAfterTheCommit()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        await log.AppendAsync(Payloads.One(0, 10));

        var waiting = log.WaitForRecordAsync(2).AsTask();
        await log.AppendAsync(Payloads.One(1, 10));
        Assert.False(waiting.IsCompleted);

        await log.AppendAsync(Payloads.One(2, 10));
        await waiting.WaitAsync(LogTesting.Timeout);

        Assert.Equal(2, log.Info.LastSequenceNumber);
    }

    [Fact]
    public async Task WaitForRecordAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        using var cancellation = new CancellationTokenSource();

        var waiting = log.WaitForRecordAsync(0, cancellation.Token).AsTask();
        Assert.False(waiting.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(LogTesting.Timeout));
    }

    [Fact]
    public async Task WaitForRecordAsync_LogDisposed_ThrowsObjectDisposed()
    {
        using var directory = new TempDirectory();
        var log = await PartitionLog.OpenAsync(directory.Path);
        var waiting = log.WaitForRecordAsync(0).AsTask();

        await log.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(LogTesting.Timeout));
    }
}
