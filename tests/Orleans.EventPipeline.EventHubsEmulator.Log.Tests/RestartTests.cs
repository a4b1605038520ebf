using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class RestartTests
{
    [Fact]
    public async Task OpenAsync_AfterRestart_ContinuesSequenceNumbersAndOffsets()
    {
        using var directory = new TempDirectory();
        AppendResult beforeRestart;
        await using (var log = await PartitionLog.OpenAsync(directory.Path))
        {
            await log.AppendAsync(Payloads.Batch(0, 4, 50));
            beforeRestart = await log.AppendAsync(Payloads.Batch(4, 4, 50));
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path);
        Assert.Equal(7, reopened.Info.LastSequenceNumber);
        Assert.Equal(beforeRestart.LastOffset, reopened.Info.LastOffset);

        var afterRestart = await reopened.AppendAsync(Payloads.Batch(8, 2, 50));

        Assert.Equal(8, afterRestart.FirstSequenceNumber);
        Assert.True(afterRestart.LastOffset > beforeRestart.LastOffset);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 10, 50);
    }

    [Fact]
    public async Task OpenAsync_ManySegmentsAfterRestart_ReadsEveryRecordAndContinues()
    {
        using var directory = new TempDirectory();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, LogTesting.SmallSegments()))
        {
            for (var i = 0; i < 30; i++)
            {
                await log.AppendAsync(Payloads.Batch(i * 2, 2, 500));
            }
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path, LogTesting.SmallSegments());
        var next = await reopened.AppendAsync(Payloads.One(60, 500));

        Assert.Equal(60, next.FirstSequenceNumber);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 61, 500);
    }

    [Fact]
    public async Task OpenAsync_SealedIndexFilesMissingOrCorrupt_RebuildsThemFromTheSegments()
    {
        using var directory = new TempDirectory();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, LogTesting.SmallSegments()))
        {
            for (var i = 0; i < 20; i++)
            {
                await log.AppendAsync(Payloads.One(i, 900));
            }
        }

        var indexes = Directory.GetFiles(directory.Path, "*.idx");
        Assert.True(indexes.Length >= 2, "Sealed segments persist their index.");
        File.Delete(indexes[0]);
        LogTesting.FlipByte(indexes[1], 60);

        await using var reopened = await PartitionLog.OpenAsync(directory.Path, LogTesting.SmallSegments());

        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, 20, 900);
        Assert.Equal(indexes.Length, Directory.GetFiles(directory.Path, "*.idx").Length);
        Assert.Equal(13, reopened.Resolve(LogPosition.FromSequenceNumber(13, inclusive: true)));
    }

    [Fact]
    public async Task OpenAsync_DirectoryAlreadyOpen_Throws()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);

        var exception = await Assert.ThrowsAsync<IOException>(() => PartitionLog.OpenAsync(directory.Path));

        Assert.Contains("already open", exception.Message, StringComparison.Ordinal);
    }
}
