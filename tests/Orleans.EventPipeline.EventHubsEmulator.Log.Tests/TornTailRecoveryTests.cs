using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>A crash mid-append leaves part of a record at the end of the active segment; recovery drops exactly that part.</summary>
public sealed class TornTailRecoveryTests
{
    private const int PayloadBytes = 200;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task OpenAsync_LastRecordCutAtRandomByte_DiscardsItAndKeepsEveryEarlierRecord(int seed)
    {
        using var directory = new TempDirectory();
        AppendResult cut;
        await using (var log = await PartitionLog.OpenAsync(directory.Path))
        {
            await log.AppendAsync(Payloads.Batch(0, 10, PayloadBytes));
            await log.AppendAsync(Payloads.Batch(10, 10, PayloadBytes));
            cut = await log.AppendAsync(Payloads.One(20, PayloadBytes));
        }

        var (path, position) = LogTesting.Locate(directory, cut.LastOffset);
        var keep = new Random(seed).Next(1, LogTesting.HeaderBytes + PayloadBytes);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.SetLength(position + keep);
        }

        await AssertRecoveredAsync(directory, expectedRecords: 20);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 47)]
    [InlineData(3, 48)]
    [InlineData(4, 300)]
    [InlineData(5, 5000)]
    public async Task OpenAsync_RandomGarbageAfterLastRecord_TruncatesItAndKeepsEveryRecord(int seed, int garbageBytes)
    {
        using var directory = new TempDirectory();
        await using (var log = await PartitionLog.OpenAsync(directory.Path))
        {
            await log.AppendAsync(Payloads.Batch(0, 21, PayloadBytes));
        }

        var path = directory.LastSegmentFile();
        var validLength = new FileInfo(path).Length;
        var garbage = new byte[garbageBytes];
        new Random(seed).NextBytes(garbage);
        await using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write(garbage);
        }

        await AssertRecoveredAsync(directory, expectedRecords: 21);
        Assert.True(new FileInfo(path).Length >= validLength);
    }

    [Fact]
    public async Task OpenAsync_TailHoldsACopyOfAnEarlierRecord_TruncatesTheCopy()
    {
        using var directory = new TempDirectory();
        AppendResult last;
        await using (var log = await PartitionLog.OpenAsync(directory.Path))
        {
            await log.AppendAsync(Payloads.Batch(0, 5, PayloadBytes));
            last = await log.AppendAsync(Payloads.One(5, PayloadBytes));
        }

        var (path, position) = LogTesting.Locate(directory, last.LastOffset);
        var bytes = File.ReadAllBytes(path);
        await using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write(bytes.AsSpan((int)position));
        }

        await AssertRecoveredAsync(directory, expectedRecords: 6);
    }

    private static async Task AssertRecoveredAsync(TempDirectory directory, int expectedRecords)
    {
        await using var reopened = await PartitionLog.OpenAsync(directory.Path);
        Assert.Equal(expectedRecords - 1, reopened.Info.LastSequenceNumber);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, expectedRecords, PayloadBytes);

        var next = await reopened.AppendAsync(Payloads.One(expectedRecords, PayloadBytes));

        Assert.Equal(expectedRecords, next.FirstSequenceNumber);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(reopened), 0, expectedRecords + 1, PayloadBytes);
    }
}
