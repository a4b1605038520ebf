using Orleans.EventPipeline.Client.Spool;
using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// A spool whose own segments fill its disk (no other file to free): acknowledged batches must still move the head
/// and free their space, also after a restart on the full disk (helper-119: the head's write needed a new file, and
/// segments were deleted only after it, so the spool waited for good).
/// </summary>
public sealed class SpoolOwnDiskFullTests
{
    // 20 KiB bodies: a 2 MiB tmpfs holds about a hundred before ENOSPC, all in one 16 MiB segment (the default's size).
    private const int BodyBytes = 20 * 1024;
    private const long SegmentBytes = 16L * 1024 * 1024;

    [Fact]
    public void SegmentsFillTheDisk_EveryBatchAcknowledged_HeadMovesAndAppendsResume_AlsoAfterARestart()
    {
        using var disk = TmpfsMount.Create(megabytes: 2);
        var directory = Path.Combine(disk.Path, "spool");
        int appended;
        using (var spool = DiskSpool.Open(directory, SegmentBytes, long.MaxValue))
        {
            appended = AppendUntilFull(spool);
            Assert.True(appended > 10, $"only {appended} batches fit on 2 MiB");

            // Half acknowledged while the disk is full: each moves the head at once (no wait for space no one frees).
            for (var i = 0; i < appended / 2; i++)
            {
                Assert.True(spool.TryPeek(out var entry));
                spool.Remove(entry, Checkpoint(entry.Sequence));
            }
        }

        // A restart (as after kill -9: nothing flushed or deleted on the way out) on the still full disk.
        using (var spool = DiskSpool.Open(directory, SegmentBytes, long.MaxValue))
        {
            Assert.Equal(appended - appended / 2, spool.Count);
            while (spool.TryPeek(out var entry))
            {
                spool.Remove(entry, Checkpoint(entry.Sequence));
            }

            // Every batch done: the segment's space is free again, and new batches are taken.
            Assert.Equal(0, spool.Bytes);
            Assert.True(AppendUntilFull(spool) > 10, "the space of the acknowledged batches was not freed");
        }
    }

    /// <summary>Appends batches of <see cref="BodyBytes"/> until the disk refuses one; returns how many were taken.</summary>
    private static int AppendUntilFull(DiskSpool spool)
    {
        var body = new byte[BodyBytes];
        Random.Shared.NextBytes(body);
        var count = 0;
        while (true)
        {
            var sequence = spool.NextSequence;
            try
            {
                spool.Append(new SpooledBatch(sequence, Guid.NewGuid(), 1, false, EventContentType.Ndjson, Checkpoint(sequence), body));
            }
            catch (IOException e) when (DiskSpool.IsDiskFull(e))
            {
                return count;
            }

            count++;
            Assert.True(count < 1_000, "2 MiB never filled");
        }
    }

    private static byte[] Checkpoint(long sequence) => CheckpointCodec.Encode(new Dictionary<string, string> { ["source"] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) });
}
