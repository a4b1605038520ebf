using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>
/// A full disk (ENOSPC on writes, then on fsyncs) heals without reopening the log. Recovery attempts
/// run on a fake clock, so the test decides when they happen and checks the files in between.
/// </summary>
public sealed class DiskFullRecoveryTests
{
    private const int Size = 100;
    private const int BatchRecords = 5;
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task AppendAsync_DiskFullOnWriteThenOnFsync_RefusesWhileFullResumesWithoutReopenAndStoresOnlyAcknowledged()
    {
        using var directory = new TempDirectory();
        using var files = new FaultInjectingFileFactory { OutOfSpace = true };
        // 4 KiB segments (27 records of 148 bytes): the episode spans segment rolls.
        var options = LogTesting.SmallSegments();
        options.FileFactory = files;
        options.FailureRetryInterval = RetryInterval;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        options.TimeProvider = clock;
        var appends = new Appends();
        await using (var log = await PartitionLog.OpenAsync(directory.Path, options))
        {
            await appends.AcceptedAsync(log, 8);

            // ENOSPC on write: half of the batch reaches the file (two whole records), then the write fails.
            files.FailWrites = true;
            var failure = await appends.RefusedAsync(log);
            Assert.True(failure.OutOfSpace);
            Assert.False(log.Health.CanAppend);
            Assert.True(log.Health.OutOfSpace);
            Assert.Contains("No space left on device", log.Health.Reason, StringComparison.Ordinal);
            Assert.Equal(clock.GetUtcNow(), log.Health.Since);
            AssertFileEndsAfterLastAcknowledged(directory, log);
            await StaysFullAsync(log, files, clock, appends);

            // Space for writes but ENOSPC on fsync: recovery probes fail at the fsync.
            files.FailWrites = false;
            files.FailFlushes = true;
            await StaysFullAsync(log, files, clock, appends);
            AssertFileEndsAfterLastAcknowledged(directory, log);

            files.FailFlushes = false;
            await RecoveredAsync(log, clock);
            // One record where the refused batch had five: its records must not reappear behind it.
            await appends.AcceptedAsync(log, 1, recordsPerAppend: 1);
            await appends.AcceptedAsync(log, 8);

            // ENOSPC on fsync of an append whose batch was written whole, with appends queued behind it.
            files.FailFlushes = true;
            files.HoldFlushes();
            var inFlight = appends.TryAsync(log);
            await files.FlushEntered.WaitAsync(LogTesting.Timeout);
            var queued = Enumerable.Range(0, 4).Select(_ => appends.TryAsync(log)).ToList();
            files.ReleaseFlushes();
            foreach (var attempt in queued.Prepend(inFlight))
            {
                Assert.False(await attempt.WaitAsync(LogTesting.Timeout));
            }

            // The refused batch reached the file whole before its fsync failed: it is cut off at once.
            AssertFileEndsAfterLastAcknowledged(directory, log);
            await StaysFullAsync(log, files, clock, appends);
            files.FailFlushes = false;
            await RecoveredAsync(log, clock);
            await appends.AcceptedAsync(log, 1, recordsPerAppend: 1);
            await appends.AcceptedAsync(log, 8);

            Assert.Equal(9, appends.Refused);
            appends.AssertStoredExactly(await LogTesting.ReadAllAsync(log));
        }

        await using var reopened = await PartitionLog.OpenAsync(directory.Path, LogTesting.SmallSegments());
        appends.AssertStoredExactly(await LogTesting.ReadAllAsync(reopened));
        Assert.Equal(appends.AcknowledgedCount, (await reopened.AppendAsync(Payloads.One(-1, Size))).FirstSequenceNumber);
    }

    /// <summary>Lets two recovery attempts fail, and checks appends are refused meanwhile.</summary>
    private static async Task StaysFullAsync(PartitionLog log, FaultInjectingFileFactory files, FakeTimeProvider clock, Appends appends)
    {
        var faults = files.FaultCount;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            // The writer arms its retry timer after the failure; advancing before that moves nothing, so poll.
            await LogTesting.WaitUntilAsync(() =>
            {
                clock.Advance(RetryInterval);
                return files.FaultCount >= faults + attempt;
            });
        }

        Assert.False(log.Health.CanAppend);
        Assert.Contains("Last recovery attempt: No space left on device", log.Health.Reason, StringComparison.Ordinal);
        Assert.True((await appends.RefusedAsync(log)).OutOfSpace);
    }

    private static async Task RecoveredAsync(PartitionLog log, FakeTimeProvider clock)
    {
        await LogTesting.WaitUntilAsync(() =>
        {
            clock.Advance(RetryInterval);
            return log.Health.CanAppend;
        });
        Assert.Equal(PartitionLogHealth.Writable, log.Health);
    }

    /// <summary>No refused byte sits at the tail: the active segment file ends where the last acknowledged record ends.</summary>
    private static void AssertFileEndsAfterLastAcknowledged(TempDirectory directory, PartitionLog log)
    {
        var last = directory.LastSegmentFile();
        var baseOffset = long.Parse(Path.GetFileNameWithoutExtension(last).Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(log.Info.LastOffset + LogTesting.HeaderBytes + Size - baseOffset, new FileInfo(last).Length);
    }

    /// <summary>Appends records with unique payloads and remembers which were acknowledged and which refused.</summary>
    private sealed class Appends
    {
        private readonly List<long> _acknowledged = [];
        private long _next;
        private int _refused;

        public int Refused => Volatile.Read(ref _refused);

        public int AcknowledgedCount => _acknowledged.Count;

        public async Task AcceptedAsync(PartitionLog log, int appends, int recordsPerAppend = BatchRecords)
        {
            for (var i = 0; i < appends; i++)
            {
                Assert.True(await TryAsync(log, recordsPerAppend));
            }
        }

        public async Task<PartitionLogFailedException> RefusedAsync(PartitionLog log)
        {
            var first = _next;
            _next += BatchRecords;
            Interlocked.Increment(ref _refused);
            return await Assert.ThrowsAsync<PartitionLogFailedException>(async () => await log.AppendAsync(Payloads.Batch(first, BatchRecords, Size)));
        }

        /// <summary>True when acknowledged (and then at the next sequence numbers), false when refused.</summary>
        public async Task<bool> TryAsync(PartitionLog log, int records = BatchRecords)
        {
            var first = _next;
            _next += records;
            try
            {
                var result = await log.AppendAsync(Payloads.Batch(first, records, Size));
                lock (_acknowledged)
                {
                    Assert.Equal(_acknowledged.Count, result.FirstSequenceNumber);
                    _acknowledged.AddRange(Enumerable.Range(0, records).Select(i => first + i));
                }

                return true;
            }
            catch (PartitionLogFailedException exception)
            {
                Assert.True(exception.OutOfSpace);
                Interlocked.Increment(ref _refused);
                return false;
            }
        }

        /// <summary>Every acknowledged record once, in acknowledgement order, and nothing else.</summary>
        public void AssertStoredExactly(List<LogRecord> records)
        {
            Assert.Equal(_acknowledged.Count, records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                Assert.Equal(i, records[i].SequenceNumber);
                Assert.Equal(Payloads.For(_acknowledged[i], Size), records[i].Payload.ToArray());
            }
        }
    }
}
