using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>A consumer tailing the log while producers append sees every record once, in order, from cache or disk.</summary>
public sealed class TailingReaderTests
{
    [Theory]
    [InlineData(16L * 1024 * 1024)]
    [InlineData(8L * 1024)]
    [InlineData(0L)]
    public async Task ReadAsync_TailingWhileProducersAppend_SeesEveryRecordOnceInOrder(long tailCacheBytes)
    {
        using var directory = new TempDirectory();
        var options = LogTesting.SmallSegments(segmentBytes: 64 * 1024);
        options.TailCacheBytes = tailCacheBytes;
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        const int producers = 4, appendsEach = 50, recordsPerAppend = 4, total = producers * appendsEach * recordsPerAppend;

        var producing = Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < appendsEach; i++)
            {
                await log.AppendAsync(Payloads.Batch(0, recordsPerAppend, 120));
            }
        })).ToArray();
        var consumed = new List<LogRecord>();
        var consuming = Task.Run(async () =>
        {
            while (consumed.Count < total)
            {
                await log.WaitForRecordAsync(consumed.Count);
                await log.ReadAsync(consumed.Count, 37, consumed);
            }
        });

        await Task.WhenAll([.. producing, consuming]).WaitAsync(LogTesting.Timeout);

        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), consumed.Select(r => r.SequenceNumber));
        Assert.All(consumed, r => Assert.Equal(Payloads.For(r.SequenceNumber % recordsPerAppend, 120), r.Payload.ToArray()));
    }
}
