using Orleans.EventPipeline.Client.Spool;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// The record of which parts of a spooled batch were split after a 413 (<see cref="SpoolSplits"/>), read back after a
/// restart as the client's split decisions (SplitAcrossRestartTests sends them). A record that does not check out must
/// say "not split", which sends the part whole as before the record existed: doubles at worst, never a loss.
/// </summary>
public sealed class SpoolSplitRecordTests : IDisposable
{
    private const long SegmentBytes = 16 * 1024 * 1024;
    private readonly TempDirectory _spool = new();

    [Fact]
    public void SplitParts_ReadBackAfterARestart_TheirParentsToo_GoneWithTheBatch()
    {
        SpooledBatch first;
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            first = Append(spool, 0);
            Append(spool, 1);
            spool.MarkSplit(first, 1);
            spool.MarkSplit(first, 2);
            spool.MarkSplit(first, 5);
        }

        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            Assert.Equal([1UL, 2UL, 5UL], Split(spool, 0));
            Assert.Empty(Split(spool, 1));
            spool.TryPeek(out var entry);
            spool.Remove(entry, []);
        }

        Assert.Empty(Directory.EnumerateFiles(_spool.Path, "*.split"));
        using var again = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        Assert.Empty(Split(again, 1));
    }

    [Fact]
    public void PartOfAnEntryLeftInTheRun_IsWrittenOver_TheNextEntryReadsBack()
    {
        SpooledBatch batch;
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            batch = Append(spool, 0);
            spool.MarkSplit(batch, 1);

            // A write that failed after 5 bytes and whose cut failed as well (helper-127), in the same run.
            File.AppendAllBytes(Directory.EnumerateFiles(_spool.Path, "*.split").Single(), [2, 0, 0, 0, 0]);
            spool.MarkSplit(batch, 2);
        }

        using var again = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        Assert.Equal([1UL, 2UL], Split(again, 0));
    }

    [Fact]
    public void ATornEntry_IsCut_TheNextOneReadsBack()
    {
        SpooledBatch batch;
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            batch = Append(spool, 0);
            spool.MarkSplit(batch, 1);
        }

        // A crash in the middle of the next append: 7 of its 16 bytes.
        var file = Directory.EnumerateFiles(_spool.Path, "*.split").Single();
        File.AppendAllBytes(file, [2, 0, 0, 0, 0, 0, 0]);
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            Assert.Equal([1UL], Split(spool, 0));
            spool.MarkSplit(batch, 3);
        }

        using var again = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        Assert.Equal([1UL, 3UL], Split(again, 0));
    }

    [Fact]
    public void AChangedEntry_ReadsAsNotSplit_UnlessAPartOfItWasSplitLater()
    {
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            var batch = Append(spool, 0);
            spool.MarkSplit(batch, 1);
            spool.MarkSplit(batch, 3);
            spool.MarkSplit(batch, 6);
        }

        // The batch's own entry (place 1) and the last one (place 6) changed on disk: 3 was split, so 1 was too.
        var file = Directory.EnumerateFiles(_spool.Path, "*.split").Single();
        var bytes = File.ReadAllBytes(file);
        bytes[8] ^= 1;
        bytes[40] ^= 1;
        File.WriteAllBytes(file, bytes);
        using var again = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        Assert.Equal([1UL, 3UL], Split(again, 0));
    }

    [Fact]
    public void ARecordOfAnotherBatch_UnderTheSameSequence_ReadsAsNotSplit()
    {
        var other = new SpooledBatch(0, Guid.NewGuid(), 2, false, EventContentType.Ndjson, [], "{\"a\":1}\n{\"b\":2}\n"u8.ToArray());
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            Append(spool, 0);
            spool.MarkSplit(other, 1);
        }

        using var again = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        Assert.Empty(Split(again, 0));
    }

    [Fact]
    public void ARecordLeftByACrashAfterItsBatchWasDone_IsDeletedAtOpen()
    {
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            var batch = Append(spool, 0);
            Append(spool, 1);
            spool.MarkSplit(batch, 1);
        }

        var file = Directory.EnumerateFiles(_spool.Path, "*.split").Single();
        var kept = File.ReadAllBytes(file);
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            spool.TryPeek(out var entry);
            spool.Remove(entry, []);
        }

        // The head moved past batch 0, then the process ended before its record was deleted.
        File.WriteAllBytes(file, kept);
        using var again = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        Assert.False(File.Exists(file));
        Assert.Empty(Split(again, 1));
    }

    [Fact]
    public void ARecord_HoldsAtMostTheRoomKeptForIt_ThenSaysWhy()
    {
        // A batch split over and over (a gateway or a proxy answering 413 to parts of every size): 4,096 entries fit.
        using var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        var batch = Append(spool, 0);
        for (var place = 1UL; place <= 4096; place++)
        {
            Assert.Null(spool.MarkSplit(batch, place));
        }

        Assert.Equal(SpoolSplits.RoomBytes, spool.SplitBytes);
        Assert.Contains("4096 split parts", spool.MarkSplit(batch, 4097), StringComparison.Ordinal);
        Assert.Equal(SpoolSplits.RoomBytes, new FileInfo(Directory.EnumerateFiles(_spool.Path, "*.split").Single()).Length);
        Assert.False(spool.WasSplit(0, 4097));

        spool.TryPeek(out var entry);
        spool.Remove(entry, []);
        Assert.Equal(0, spool.SplitBytes);
    }

    private static SpooledBatch Append(DiskSpool spool, long sequence)
    {
        var batch = new SpooledBatch(sequence, Guid.NewGuid(), 2, false, EventContentType.Ndjson, [], "{\"a\":1}\n{\"b\":2}\n"u8.ToArray());
        spool.Append(batch);
        return batch;
    }

    /// <summary>The places of batch <paramref name="sequence"/> the spool says were split, among the first 16.</summary>
    private static List<ulong> Split(DiskSpool spool, long sequence) =>
        [.. Enumerable.Range(1, 16).Select(static p => (ulong)p).Where(p => spool.WasSplit(sequence, p))];

    public void Dispose() => _spool.Dispose();
}
