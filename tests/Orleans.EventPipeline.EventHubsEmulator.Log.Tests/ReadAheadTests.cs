using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>
/// A read from disk loads what the records asked for span, to the index point past them, not whole read-ahead windows
/// (a consumer behind the tail cache asks for a few dozen records at a time), and still in as few reads as before.
/// </summary>
public sealed class ReadAheadTests
{
    private const int Records = 5_000;
    private const int PayloadBytes = 100;
    private const int RecordBytes = LogTesting.HeaderBytes + PayloadBytes;
    private const int WindowBytes = 256 * 1024;

    [Theory]
    [InlineData(2_500, 10)]
    [InlineData(0, 1)]
    // The last records: no index point after them yet, so the read goes to the file's end (under an interval away).
    [InlineData(4_990, 10)]
    public async Task ReadAsync_FewRecordsFromDisk_LoadsAboutTheirIndexIntervalsInOneRead(long from, int count)
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        var options = new PartitionLogOptions { FileFactory = files, TailCacheBytes = 0 };
        await using var log = await WrittenAsync(directory, options);

        var (bytes, reads) = (files.BytesAskedToRead, files.Reads);
        var records = new List<LogRecord>();
        Assert.Equal(count, await log.ReadAsync(from, count, records));

        LogTesting.AssertRecords(records, from, count, PayloadBytes);
        // From the index point at or before the first record to the one at or after the record past the last: each at most
        // an interval and a record away. A whole window would be 256 KiB of the 740 KB written.
        var bound = (2L * (options.IndexIntervalBytes + RecordBytes)) + ((long)count * RecordBytes);
        var read = files.BytesAskedToRead - bytes;
        Assert.True(read <= bound, $"Reading {count} records of {RecordBytes} bytes asked the file for {read} bytes; at most {bound} expected.");
        Assert.Equal(1, files.Reads - reads);
    }

    [Fact]
    public async Task ReadAsync_ManyRecordsFromDisk_ReadsWholeWindowsThenStopsAtTheIndexPointPastThem()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory();
        var options = new PartitionLogOptions { FileFactory = files, TailCacheBytes = 0 };
        await using var log = await WrittenAsync(directory, options);

        var (bytes, reads) = (files.BytesAskedToRead, files.Reads);
        var records = new List<LogRecord>();
        Assert.Equal(4_000, await log.ReadAsync(500, 4_000, records));

        LogTesting.AssertRecords(records, 500, 4_000, PayloadBytes);
        // 592,000 bytes of records in windows of 256 KiB, and no more than an interval and a record on either side: the
        // last window is cut at the index point past the records (a whole one would go up to 256 KiB further).
        const long wanted = 4_000L * RecordBytes;
        var read = files.BytesAskedToRead - bytes;
        Assert.InRange(read, wanted, wanted + (2L * (options.IndexIntervalBytes + RecordBytes)));
        Assert.Equal((int)((read + WindowBytes - 1) / WindowBytes), files.Reads - reads);
    }

    private static async Task<PartitionLog> WrittenAsync(TempDirectory directory, PartitionLogOptions options)
    {
        var log = await PartitionLog.OpenAsync(directory.Path, options);
        for (var first = 0; first < Records; first += 100)
        {
            await log.AppendAsync(Payloads.Batch(first, 100, PayloadBytes));
        }

        return log;
    }
}
