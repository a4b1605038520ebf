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
