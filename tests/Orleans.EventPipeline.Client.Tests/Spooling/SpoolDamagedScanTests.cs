using System.Buffers.Binary;
using System.Globalization;
using Orleans.EventPipeline.Client.Spool;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// The search for the next intact record after a damaged one, over a 1 MiB record whose events look like record
/// headers at every few bytes. It checksummed each place whose version byte and length fit, each over up to the rest
/// of the segment: time in the square of the record's size (1.6 s at open for 1 MiB, days by the square for the
/// 512 MiB one call may hold). Its work is counted in checksums (<see cref="SpoolRecordCodec.Scan"/>), not timed.
/// </summary>
public sealed class SpoolDamagedScanTests : IDisposable
{
    private const int BodyBytes = 1024 * 1024;
    private readonly TempDirectory _spool = new();

    [Fact]
    public void HeaderLookalikesEvery16Bytes_NextRecordFoundWithTwoChecksums_EveryOtherBatchKept()
    {
        // Each 16 bytes: a payload length of 256 KiB (it fits until the last quarter) and version 1 twelve bytes on,
        // what the search took for a record to checksum.
        var body = new byte[BodyBytes];
        for (var at = 0; at + 16 <= body.Length; at += 16)
        {
            BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(at), 256 * 1024);
            body[at + 12] = 1;
        }

        var segment = WriteDamaged(body);

        var parts = SpoolRecordCodec.Scan(File.ReadAllBytes(segment), 0, out var checksums);

        // Batch 2, found by the search, and its successor, batch 3: nothing else was worth a checksum.
        Assert.Equal(2, checksums);
        Assert.Equal([null, "damaged", null, null], parts.Select(static p => p.Problem is null ? null : "damaged"));
        using var spool = DiskSpool.Open(_spool.Path, 16 * 1024 * 1024, long.MaxValue);
        Assert.Equal([0L, 2L, 3L], Drain(spool));
        var damage = Assert.Single(spool.Recovery.Damage);
        Assert.Equal(1, damage.FirstSequence);
        Assert.Equal(1, damage.LastSequence);
    }

    [Fact]
    public void HeadersThatPassEveryCheckButTheChecksum_SearchStopsAfter16Checksums_NoForgedBatchKept()
    {
        // Every 48 bytes a header as a writer would make it, its lengths adding up, sequence 1, and its successor the
        // intact batch 2 (sequence 2): only its checksum tells it from a record. The search gives up after 16
        // checksums, so the rest of the newest segment is taken as a torn tail: cut, and sources resume after batch 0
        // (they read batches 2 and 3 again), as when no intact record follows.
        var body = new byte[BodyBytes];
        // Where batch 1's body lies in the segment: after batch 0, its header, its fixed fields and its checkpoint.
        var bodyStart = SpoolRecordCodec.Encode(Batch(0, new byte[100])).Length + SpoolRecordCodec.HeaderBytes + 38 + Checkpoint(1).Length;
        var successor = bodyStart + body.Length;
        for (var at = 0; at + 48 <= body.Length - 4; at += 48)
        {
            var payloadLength = successor - (bodyStart + at) - SpoolRecordCodec.HeaderBytes;
            var header = body.AsSpan(at);
            BinaryPrimitives.WriteInt32LittleEndian(header, payloadLength);
            header[12] = 1;
            BinaryPrimitives.WriteInt64LittleEndian(header[14..], 1);
            BinaryPrimitives.WriteInt32LittleEndian(header[38..], 1);
            BinaryPrimitives.WriteInt32LittleEndian(header[42..], payloadLength - 38);
        }

        // Each one's body length, 0, is the record's last 4 bytes (already 0).
        var segment = WriteDamaged(body);

        var parts = SpoolRecordCodec.Scan(File.ReadAllBytes(segment), 0, out var checksums);

        Assert.InRange(checksums, 1, 16);
        Assert.Equal([null, "damaged"], parts.Select(static p => p.Problem is null ? null : "damaged"));
        using var spool = DiskSpool.Open(_spool.Path, 16 * 1024 * 1024, long.MaxValue);
        Assert.Equal([0L], Drain(spool));
        Assert.Equal("0", spool.Checkpoints["source"]);
    }

    /// <summary>Batches 0 to 3 (1 holding <paramref name="body"/>) in one segment, batch 1's length then changed: the search runs byte by byte.</summary>
    private string WriteDamaged(byte[] body)
    {
        SpoolEntry damaged;
        using (var spool = DiskSpool.Open(_spool.Path, 16 * 1024 * 1024, long.MaxValue))
        {
            spool.Append(Batch(0, new byte[100]));
            damaged = spool.Append(Batch(1, body));
            spool.Append(Batch(2, new byte[100]));
            spool.Append(Batch(3, new byte[100]));
        }

        using var file = new FileStream(damaged.Segment, FileMode.Open);
        file.Position = damaged.Offset;
        file.Write(BitConverter.GetBytes(100));
        return damaged.Segment;
    }

    private static List<long> Drain(DiskSpool spool)
    {
        var sequences = new List<long>();
        while (spool.TryPeek(out var entry))
        {
            var batch = DiskSpool.Read(entry, out var problem);
            Assert.True(batch is not null, problem);
            sequences.Add(batch.Sequence);
            spool.Remove(entry, batch.Checkpoints);
        }

        return sequences;
    }

    private static SpooledBatch Batch(long sequence, byte[] body) => new(sequence, Guid.NewGuid(), 1, false, EventContentType.Ndjson, Checkpoint(sequence), body);

    private static byte[] Checkpoint(long sequence) => CheckpointCodec.Encode(new Dictionary<string, string> { ["source"] = sequence.ToString(CultureInfo.InvariantCulture) });

    public void Dispose() => _spool.Dispose();
}
