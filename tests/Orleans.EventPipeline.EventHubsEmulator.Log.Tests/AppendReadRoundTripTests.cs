using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

public sealed class AppendReadRoundTripTests
{
    [Fact]
    public async Task ReadAsync_AfterAppends_ReturnsSamePayloadsInOrder()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path);

        await log.AppendAsync(Payloads.Batch(0, 10, 100));
        await log.AppendAsync(Payloads.Batch(10, 5, 100));

        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), 0, 15, 100);
    }

    [Fact]
    public async Task ReadAsync_EmptyAndMaximumSizePayloads_RoundTrip()
    {
        using var directory = new TempDirectory();
        var options = new PartitionLogOptions { MaxRecordBytes = 256 * 1024, TailCacheBytes = 0 };
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        var large = Payloads.For(7, options.MaxRecordBytes);

        await log.AppendAsync([ReadOnlyMemory<byte>.Empty, large]);

        var records = new List<LogRecord>();
        Assert.Equal(2, await log.ReadAsync(0, 10, records));
        Assert.Empty(records[0].Payload.ToArray());
        Assert.Equal(large, records[1].Payload.ToArray());
    }

    [Fact]
    public async Task ReadAsync_TailCacheDisabled_ReadsVerifiedRecordsFromDisk()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { TailCacheBytes = 0 });

        await log.AppendAsync(Payloads.Batch(0, 50, 300));

        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), 0, 50, 300);
        var middle = new List<LogRecord>();
        Assert.Equal(5, await log.ReadAsync(20, 5, middle));
        LogTesting.AssertRecords(middle, 20, 5, 300);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(16L * 1024 * 1024)]
    public async Task ReadAsync_WithACopy_ReturnsWhatTheCopyMadeOfEachStoredRecord(long tailCacheBytes)
    {
        // 0: every record from disk, checksummed first; 16 MiB: every record from the tail cache's buffers.
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { TailCacheBytes = tailCacheBytes });
        await log.AppendAsync(Payloads.Batch(0, 30, 200));
        var plain = new List<LogRecord>();
        Assert.Equal(30, await log.ReadAsync(0, 30, plain));
        var seen = new List<(long Sequence, long Offset, DateTimeOffset Enqueued)>();
        var seenPayloads = new List<byte[]>();

        var copied = new List<LogRecord>();
        Assert.Equal(30, await log.ReadAsync(0, 30, copied, (sequence, offset, enqueued, payload) =>
        {
            seen.Add((sequence, offset, enqueued));
            seenPayloads.Add(payload.ToArray());
            return Marked(sequence, payload);
        }));

        // Called once per record, in order, with the stored bytes; each record holds the copy's bytes, nothing else.
        var positions = plain.Select(static record => (record.SequenceNumber, record.Offset, record.EnqueuedTime)).ToList();
        Assert.Equal(positions, seen);
        Assert.Equal(plain.Select(static record => record.Payload.ToArray()), seenPayloads);
        Assert.Equal(positions, copied.Select(static record => (record.SequenceNumber, record.Offset, record.EnqueuedTime)));
        Assert.Equal(plain.Select(static record => Marked(record.SequenceNumber, record.Payload.Span)), copied.Select(static record => record.Payload.ToArray()));

        static byte[] Marked(long sequence, ReadOnlySpan<byte> payload) => [(byte)sequence, .. payload];
    }

    [Fact]
    public async Task ReadAsync_AcrossManySegments_ReturnsEveryRecordOnce()
    {
        using var directory = new TempDirectory();
        var options = LogTesting.SmallSegments();
        options.TailCacheBytes = 0;
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        for (var i = 0; i < 40; i++)
        {
            await log.AppendAsync(Payloads.Batch(i * 3, 3, 400));
        }

        Assert.True(log.SegmentCount > 5, $"Expected several segments, got {log.SegmentCount}.");
        LogTesting.AssertRecords(await LogTesting.ReadAllAsync(log), 0, 120, 400);
        var fromMiddle = new List<LogRecord>();
        await log.ReadAsync(61, 30, fromMiddle);
        LogTesting.AssertRecords(fromMiddle, 61, 30, 400);
    }

    [Fact]
    public async Task AppendAsync_PayloadOverMaxRecordBytes_ThrowsNamingTheSetting()
    {
        using var directory = new TempDirectory();
        await using var log = await PartitionLog.OpenAsync(directory.Path, new PartitionLogOptions { MaxRecordBytes = 100 });

        var exception = await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsync(Payloads.One(0, 101)));

        Assert.Contains(nameof(PartitionLogOptions.MaxRecordBytes), exception.Message, StringComparison.Ordinal);
        Assert.True(log.Info.IsEmpty);
    }
}
