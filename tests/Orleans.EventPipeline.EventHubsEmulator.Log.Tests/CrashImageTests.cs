using Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests;

/// <summary>
/// A copy of the files taken while appends are running is what a crash at that instant leaves
/// behind (a prefix of every write); recovering it must keep every record acknowledged before the copy began.
/// </summary>
public sealed class CrashImageTests
{
    private const int PayloadBytes = 300;
    private const int RecordsPerAppend = 10;

    [Fact]
    public async Task OpenAsync_CopyTakenDuringAppends_RecoversEveryRecordAcknowledgedBeforeTheCopy()
    {
        using var directory = new TempDirectory();
        var options = LogTesting.SmallSegments(segmentBytes: 32 * 1024);
        long acknowledged = -1;
        using var stop = new CancellationTokenSource();
        await using var log = await PartitionLog.OpenAsync(directory.Path, options);
        var producer = Task.Run(async () =>
        {
            for (long next = 0; !stop.IsCancellationRequested; next += RecordsPerAppend)
            {
                var result = await log.AppendAsync(Payloads.Batch(next, RecordsPerAppend, PayloadBytes));
                Volatile.Write(ref acknowledged, result.LastSequenceNumber);
            }
        });

        for (var image = 0; image < 5; image++)
        {
            await LogTesting.WaitUntilAsync(() => Volatile.Read(ref acknowledged) >= (image + 1) * 200);
            var acknowledgedBeforeCopy = Volatile.Read(ref acknowledged);
            using var copy = new TempDirectory();
            CopyLogFiles(directory.Path, copy.Path);

            await using var recovered = await PartitionLog.OpenAsync(copy.Path, options);

            var records = await LogTesting.ReadAllAsync(recovered);
            Assert.True(records.Count > acknowledgedBeforeCopy, $"Image {image}: recovered {records.Count} records, {acknowledgedBeforeCopy + 1} were acknowledged.");
            LogTesting.AssertRecords(records, 0, records.Count, PayloadBytes);
        }

        await stop.CancelAsync();
        await producer.WaitAsync(LogTesting.Timeout);
    }

    private static void CopyLogFiles(string from, string to)
    {
        foreach (var path in Directory.GetFiles(from).Where(p => p.EndsWith(".log", StringComparison.Ordinal) || p.EndsWith(".idx", StringComparison.Ordinal)))
        {
            using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var target = File.Create(Path.Combine(to, Path.GetFileName(path)));
            source.CopyTo(target);
        }
    }
}
