using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>The tail cache's budget bounds the memory it holds, also when every commit is a single small record.</summary>
public sealed class TailCacheMemoryTests
{
    [Fact]
    public async Task OneRecordCommits_CacheHoldsThemAllWithinItsBudget_NotAGroupBufferEach()
    {
        using var directory = new TempDirectory();
        var options = LogTesting.SmallSegments(segmentBytes: 1024 * 1024);
        options.TailCacheBytes = 4L * 1024 * 1024;
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        const int commits = 200, size = 100;

        for (var i = 0; i < commits; i++)
        {
            // Awaited one by one: each record is a group commit of its own.
            await log.AppendAsync(Payloads.Batch(i, 1, size));
        }

        // Each commit's group buffer is 1 MiB; kept whole they would be 200 MiB against a 4 MiB budget.
        Assert.InRange(log.TailCache.HeldBytes, commits * size, options.TailCacheBytes);
        var cached = new List<LogRecord>();
        Assert.Equal(commits, log.TailCache.TryRead(0, commits, commits, cached, PartitionLog.CopyPayload));
        Assert.Equal(Enumerable.Range(0, commits).Select(i => Payloads.For(i, size)), cached.Select(static record => record.Payload.ToArray()));
    }
}
