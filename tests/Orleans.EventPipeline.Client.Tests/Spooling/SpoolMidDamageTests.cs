using System.Globalization;
using Orleans.EventPipeline.Client.Spool;
using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// One changed byte in a spooled record that is not the last: only that batch is lost, every intact batch after it in
/// the segment is kept, the loss is reported with its sequences and its bytes are saved aside (helper-119: the segment
/// was cut there, 1,033,882 bytes = 3,075 events, 3,050 of them intact, and the checkpoint came from a later segment).
/// </summary>
public sealed class SpoolMidDamageTests : IDisposable
{
    // 30 records of 6,064 bytes in segments that roll past 64 KiB: eleven in each of the first two segments, eight in the third.
    private const int Batches = 30;
    private const int EventsPerBatch = 25;
    private const long SegmentBytes = 64 * 1024;
    private readonly TempDirectory _spool = new();

    [Theory]
    [InlineData(2, 1)] // the length's second byte: the framing is lost, the next record is found by scanning
    [InlineData(2, 6)] // the checksum
    [InlineData(2, 3_000)] // the body
    [InlineData(10, 3_000)] // the body of the first segment's last batch: the batch lost is told by the next segment's name
    public void OneByteChangedInABatch_OnlyItIsLost_LaterBatchesKept_ReportedOnceWithItsBytesSaved(int lost, int at)
    {
        var written = new List<(SpoolEntry Entry, Guid Key)>();
        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            for (var b = 0; b < Batches; b++)
            {
                var key = Guid.NewGuid();
                var body = new byte[6_000];
                new Random(b).NextBytes(body);
                written.Add((spool.Append(new SpooledBatch(b, key, EventsPerBatch, false, EventContentType.Ndjson, Checkpoint(b), body)), key));
            }
        }

        var segments = Directory.EnumerateFiles(_spool.Path, "*.seg").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, segments.Count);
        var damaged = written[lost].Entry;
        Assert.Equal(segments[0], damaged.Segment);
        Assert.Equal(segments[1], written[11].Entry.Segment);
        var bytes = File.ReadAllBytes(damaged.Segment);
        bytes[damaged.Offset + at] ^= 0x10;
        File.WriteAllBytes(damaged.Segment, bytes);

        using (var spool = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue))
        {
            Assert.Equal(Batches - 1, spool.Recovery.Batches);
            Assert.Equal((Batches - 1) * EventsPerBatch, spool.Recovery.Events);
            var damage = Assert.Single(spool.Recovery.Damage);
            Assert.Equal(damaged.Segment, damage.Segment);
            Assert.Equal(damaged.Offset, damage.Offset);
            Assert.Equal(damaged.Length, damage.BytesLost);
            Assert.Equal(lost, damage.FirstSequence);
            Assert.Equal(lost, damage.LastSequence);
            Assert.Contains("checksum", damage.Reason, StringComparison.Ordinal);
            Assert.Contains($"batch {lost} ({EventsPerBatch} events", damage.Reason, StringComparison.Ordinal);
            Assert.Equal(bytes.AsSpan((int)damaged.Offset, damaged.Length).ToArray(), File.ReadAllBytes(damage.SavedTo!));

            // The newest batch's positions: sources do not read the batches after the lost one again, which are still sent (no doubles).
            Assert.Equal("29", spool.Checkpoints["source"]);
        }

        // Reported once: the damaged bytes were moved out of the segment, and every other batch is read back whole.
        using var again = DiskSpool.Open(_spool.Path, SegmentBytes, long.MaxValue);
        Assert.Empty(again.Recovery.Damage);
        var kept = new List<long>();
        while (again.TryPeek(out var entry))
        {
            var batch = DiskSpool.Read(entry, out var problem);
            Assert.True(batch is not null, problem);
            Assert.Equal(written[(int)batch.Sequence].Key, batch.IdempotencyKey);
            kept.Add(batch.Sequence);
            again.Remove(entry, batch.Checkpoints);
        }

        Assert.Equal(Enumerable.Range(0, Batches).Where(s => s != lost).Select(static s => (long)s), kept);
    }

    private static byte[] Checkpoint(long sequence) => CheckpointCodec.Encode(new Dictionary<string, string> { ["source"] = sequence.ToString(CultureInfo.InvariantCulture) });

    public void Dispose() => _spool.Dispose();
}
