using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>
/// A read from disk loads what the records asked for span, to the index point past them, not whole read-ahead windows
/// (a consumer behind the tail cache asks for a few dozen records at a time), and still in as few reads as before.
/// Each test reads a log of 5,000 records of 148 bytes (740 KB) without a tail cache, so every read goes to the file.
/// </summary>
public sealed class ReadAheadTests : IAsyncLifetime, IDisposable
{
    private const int Records = 5_000;
    private const int PayloadBytes = 100;
    private const int RecordBytes = LogTesting.HeaderBytes + PayloadBytes;
    private const int WindowBytes = 256 * 1024;

    private readonly TempDirectory _directory = new();
    private readonly FaultInjectingFileFactory _files = new();
    private readonly PartitionLogOptions _options;
    private PartitionLog _log = null!;

    public ReadAheadTests() => _options = new PartitionLogOptions { FileFactory = _files, TailCacheBytes = 0 };

    // From the index point at or before the first record, and to the one at or after the record past the last: each at
    // most an interval and a record away.
    private long Slack => 2L * (_options.IndexIntervalBytes + RecordBytes);

    public async Task InitializeAsync()
    {
        _log = await PartitionLog.OpenAsync(_directory.Path, _options);
        for (var first = 0; first < Records; first += 100)
        {
            await _log.AppendAsync(Payloads.Batch(first, 100, PayloadBytes));
        }
    }

    public async Task DisposeAsync() => await _log.DisposeAsync();

    public void Dispose()
    {
        _files.Dispose();
        _directory.Dispose();
    }

    [Theory]
    [InlineData(2_500, 10)]
    [InlineData(0, 1)]
    // The last records: no index point after them yet, so the read goes to the file's end (under an interval away).
    [InlineData(4_990, 10)]
    public async Task ReadAsync_FewRecordsFromDisk_LoadsAboutTheirIndexIntervalsInOneRead(long from, int count)
    {
        var (read, reads) = await ReadAsync(from, count);

        // A whole window would be 256 KiB.
        var bound = Slack + ((long)count * RecordBytes);
        Assert.True(read <= bound, $"Reading {count} records of {RecordBytes} bytes asked the file for {read} bytes; at most {bound} expected.");
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task ReadAsync_ManyRecordsFromDisk_ReadsWholeWindowsThenStopsAtTheIndexPointPastThem()
    {
        var (read, reads) = await ReadAsync(500, 4_000);

        // 592,000 bytes of records in windows of 256 KiB: the last one is cut at the index point past the records (a whole
        // one would go up to 256 KiB further).
        const long wanted = 4_000L * RecordBytes;
        Assert.InRange(read, wanted, wanted + Slack);
        Assert.Equal((int)((read + WindowBytes - 1) / WindowBytes), reads);
    }

    /// <summary>Reads and checks <paramref name="count"/> records from <paramref name="from"/>; returns the bytes and reads it took of the file.</summary>
    private async Task<(long Bytes, int Reads)> ReadAsync(long from, int count)
    {
        var (bytes, reads) = (_files.BytesAskedToRead, _files.Reads);
        var records = new List<LogRecord>();
        Assert.Equal(count, await _log.ReadAsync(from, count, records));
        LogTesting.AssertRecords(records, from, count, PayloadBytes);
        return (_files.BytesAskedToRead - bytes, _files.Reads - reads);
    }
}
