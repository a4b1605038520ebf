using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>Damage followed by valid records is not a torn tail: it is kept, reported and never served.</summary>
public sealed class MidLogCorruptionTests
{
    private const int PayloadBytes = 100;

    [Fact]
    public async Task ReadAsync_PayloadByteFlippedInActiveSegment_ThrowsForThatRecordAfterRestart()
    {
        using var directory = new TempDirectory();
        var (path, position) = await FlipPayloadByteOfRecordFiveAsync(directory);

        await using var log = await PartitionLog.OpenAsync(directory.Path);

        Assert.Equal(9, log.Info.LastSequenceNumber);
        var exception = await Assert.ThrowsAsync<LogCorruptionException>(async () => await log.ReadAsync(5, 1, new List<LogRecord>()));
        Assert.Contains(Path.GetFileName(path), exception.Message, StringComparison.Ordinal);
        Assert.Contains($"byte {position}", exception.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LogCorruptionException>(async () => await LogTesting.ReadAllAsync(log));

        var before = new List<LogRecord>();
        await log.ReadAsync(0, 5, before);
        LogTesting.AssertRecords(before, 0, 5, PayloadBytes);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log, from: 6), 6, 4, PayloadBytes);

        var next = await log.AppendAsync(Payloads.One(10, PayloadBytes));
        Assert.Equal(10, next.FirstSequenceNumber);
    }

    [Fact]
    public async Task ReadAsync_HeaderByteFlippedInActiveSegment_KeepsLaterRecordsAndThrowsForThatRecord()
    {
        using var directory = new TempDirectory();
        var results = await AppendOneByOneAsync(directory, new PartitionLogOptions(), count: 10);
        var (path, position) = LogTesting.Locate(directory, results[3].LastOffset);
        LogTesting.FlipByte(path, position + 17);

        await using var log = await PartitionLog.OpenAsync(directory.Path);

        Assert.Equal(9, log.Info.LastSequenceNumber);
        await Assert.ThrowsAsync<LogCorruptionException>(async () => await log.ReadAsync(3, 1, new List<LogRecord>()));
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log, from: 4), 4, 6, PayloadBytes);
    }

    [Fact]
    public async Task ReadAsync_ByteFlippedInSealedSegment_ThrowsAndNeverServesIt()
    {
        using var directory = new TempDirectory();
        var results = await AppendOneByOneAsync(directory, LogTesting.SmallSegments(), count: 60);
        var (path, position) = LogTesting.Locate(directory, results[7].LastOffset);
        Assert.NotEqual(directory.LastSegmentFile(), path);
        LogTesting.FlipByte(path, position + LogTesting.HeaderBytes + 1);

        await using var log = await PartitionLog.OpenAsync(directory.Path, LogTesting.SmallSegments());

        var exception = await Assert.ThrowsAsync<LogCorruptionException>(async () => await log.ReadAsync(7, 1, new List<LogRecord>()));
        Assert.Contains(Path.GetFileName(path), exception.Message, StringComparison.Ordinal);
        Assert.Equal(59, log.Info.LastSequenceNumber);
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log, from: 40), 40, 20, PayloadBytes);
    }

    [Fact]
    public async Task ReadAsync_ByteFlippedWhileOpenWithoutTailCache_Throws()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { TailCacheBytes = 0 });
        await log.AppendAsync(Payloads.Batch(0, 5, PayloadBytes));
        var third = (await LogTesting.ReadAllAsync(log))[2];

        var (path, position) = LogTesting.Locate(directory, third.Offset);
        LogTesting.FlipByte(path, position + LogTesting.HeaderBytes + PayloadBytes - 1);

        await Assert.ThrowsAsync<LogCorruptionException>(async () => await log.ReadAsync(0, 5, new List<LogRecord>()));
    }

    [Fact]
    public async Task ReadAsync_WithACopy_PayloadByteFlipped_TheCopyNeverSeesThatRecord()
    {
        using var directory = new TempDirectory();
        await FlipPayloadByteOfRecordFiveAsync(directory);
        // Reopened, the tail cache is empty: every record is read from disk.
        await using var log = await PartitionLog.OpenAsync(directory.Path);
        var copied = new List<long>();

        await Assert.ThrowsAsync<LogCorruptionException>(async () => await log.ReadAsync(0, 10, new List<LogRecord>(), (sequence, _, _, payload) =>
        {
            copied.Add(sequence);
            return payload.ToArray();
        }));

        // The copy (the emulator's delivery encoder) sees a record only once its checksum matched.
        Assert.Equal([0L, 1, 2, 3, 4], copied);
    }

    /// <summary>Ten records appended one by one, then a byte of record 5's payload flipped; its file and position.</summary>
    private static async Task<(string Path, long Position)> FlipPayloadByteOfRecordFiveAsync(TempDirectory directory)
    {
        var results = await AppendOneByOneAsync(directory, new PartitionLogOptions(), count: 10);
        var (path, position) = LogTesting.Locate(directory, results[5].LastOffset);
        LogTesting.FlipByte(path, position + LogTesting.HeaderBytes + 10);
        return (path, position);
    }

    private static async Task<List<AppendResult>> AppendOneByOneAsync(TempDirectory directory, PartitionLogOptions options, int count)
    {
        var results = new List<AppendResult>();
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        for (var i = 0; i < count; i++)
        {
            results.Add(await log.AppendAsync(Payloads.One(i, PayloadBytes)));
        }

        return results;
    }
}
