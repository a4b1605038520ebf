using Orleans.EventPipeline.Client.Spool;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// What the spool counts against MaxSpoolBytes (<see cref="DiskSpool.DiskBytes"/>) is what its files hold: acknowledged
/// batches stay on disk until their segment is deleted, so they count until then, and a full spool deletes the live
/// segment once all its batches are done, or a producer would wait for room no acknowledgment frees.
/// </summary>
public sealed class SpoolDiskBytesTests : IDisposable
{
    private const long SegmentBytes = 16 * 1024 * 1024;
    private readonly TempDirectory _spool = new();

    [Fact]
    public void AcknowledgedBatches_CountUntilTheirSegmentGoes_ReleasedWhenAllAreDone()
    {
        using var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        var body = new byte[10_000];
        for (var i = 0; i < 3; i++)
        {
            spool.Append(new SpooledBatch(i, Guid.NewGuid(), 1, false, EventContentType.Ndjson, [], body));
        }

        var full = spool.DiskBytes;
        Assert.Equal(Files() + SpoolSplits.RoomBytes, full);

        spool.TryPeek(out var first);
        spool.Remove(first, []);
        Assert.False(spool.ReleaseAcknowledged(), "a batch of the live segment is not done yet");
        while (spool.TryPeek(out var entry))
        {
            spool.Remove(entry, []);
        }

        // Done, but still on disk: counted, until the live segment goes.
        Assert.Equal(0, spool.Bytes);
        Assert.Equal(Files() + SpoolSplits.RoomBytes, spool.DiskBytes);
        Assert.True(spool.DiskBytes > 3 * body.Length);
        Assert.True(spool.ReleaseAcknowledged());
        Assert.Empty(Directory.EnumerateFiles(_spool.Path, "*.seg"));
        Assert.Equal(Files() + SpoolSplits.RoomBytes, spool.DiskBytes);
        Assert.True(spool.DiskBytes < DiskSpool.KeptRoomBytes + 1024);
    }

    /// <summary>Bytes of every file in the spool directory but the head (20 bytes and the checkpoints, not counted).</summary>
    private long Files() => Directory.EnumerateFiles(_spool.Path).Where(static f => Path.GetFileName(f) != "head").Sum(static f => new FileInfo(f).Length);

    public void Dispose() => _spool.Dispose();
}
