using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>
/// The tail cache's budget bounds the memory it holds, also when every commit is a single small record, and an
/// idle cache holds none.
/// </summary>
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

    [Fact]
    public async Task NoRecordForAWholeInterval_CacheLetsItsArraysGo_ReadsFromDiskAndTheNextCommitIsCachedAgain()
    {
        using var directory = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));
        var options = LogTesting.SmallSegments(segmentBytes: 1024 * 1024);
        options.TimeProvider = clock;
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        const int records = 20, size = 100;
        await log.AppendAsync(Payloads.Batch(0, records, size));

        // The first check finds records added since the cache started: it keeps them.
        clock.Advance(options.TailCacheIdleRelease);
        Assert.InRange(log.TailCache.HeldBytes, records * size, options.TailCacheBytes);

        clock.Advance(options.TailCacheIdleRelease);
        Assert.Equal(0, log.TailCache.HeldBytes);
        var read = new List<LogRecord>();
        Assert.Equal(records, await log.ReadAsync(0, records, read));
        Assert.Equal(Enumerable.Range(0, records).Select(i => Payloads.For(i, size)), read.Select(static record => record.Payload.ToArray()));

        await log.AppendAsync(Payloads.One(records, size));
        var cached = new List<LogRecord>();
        Assert.Equal(1, log.TailCache.TryRead(records, records + 1, 1, cached, PartitionLog.CopyPayload));
        Assert.Equal(Payloads.For(records, size), cached[0].Payload.ToArray());
    }
}
