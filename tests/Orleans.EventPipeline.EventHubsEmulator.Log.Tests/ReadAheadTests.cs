using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>
/// A read from disk loads what the records asked for span, to the index point past them, not a whole read-ahead window:
/// a consumer behind the tail cache asks for a few dozen records at a time.
/// </summary>
public sealed class ReadAheadTests
{
    private const int Records = 5_000;
    private const int PayloadBytes = 100;
    private const int RecordBytes = LogTesting.HeaderBytes + PayloadBytes;

    [Theory]
    [InlineData(2_500, 10)]
    [InlineData(0, 1)]
    [InlineData(4_990, 10)]
    public async Task ReadAsync_FewRecordsFromDisk_LoadsAboutTheirIndexIntervals(long from, int count)
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        var options = new PartitionLogOptions { FileFactory = files, TailCacheBytes = 0 };
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        for (var first = 0; first < Records; first += 100)
        {
            await log.AppendAsync(Payloads.Batch(first, 100, PayloadBytes));
        }

        var before = files.BytesAskedToRead;
        var records = new List<LogRecord>();
        Assert.Equal(count, await log.ReadAsync(from, count, records));

        LogTesting.AssertRecords(records, from, count, PayloadBytes);
        // From the index point at or before the first record to the one at or after the record past the last: each at most
        // an interval and a record away. A whole window would be 256 KiB, past the 740 KB written.
        var bound = (2L * (options.IndexIntervalBytes + RecordBytes)) + ((long)count * RecordBytes);
        var read = files.BytesAskedToRead - before;
        Assert.True(read <= bound, $"Reading {count} records of {RecordBytes} bytes asked the file for {read} bytes; at most {bound} expected.");
    }

    [Fact]
    public async Task ReadAsync_ManyRecordsFromDisk_ReadsThemAllInWindows()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        await using var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { FileFactory = files, TailCacheBytes = 0 });
        for (var first = 0; first < Records; first += 100)
        {
            await log.AppendAsync(Payloads.Batch(first, 100, PayloadBytes));
        }

        var before = files.BytesAskedToRead;
        var records = new List<LogRecord>();
        Assert.Equal(4_000, await log.ReadAsync(500, 4_000, records));

        LogTesting.AssertRecords(records, 500, 4_000, PayloadBytes);
        // 592 KB of records in windows of at most 256 KiB: nothing read twice but the index interval before the first.
        var read = files.BytesAskedToRead - before;
        Assert.InRange(read, 4_000L * RecordBytes, (4_000L * RecordBytes) + new PartitionLogOptions().IndexIntervalBytes + RecordBytes + (256 * 1024));
    }
}
