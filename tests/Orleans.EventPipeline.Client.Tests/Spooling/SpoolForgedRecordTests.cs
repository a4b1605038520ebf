using System.Globalization;
using Orleans.EventPipeline.Client.Spool;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// An event whose bytes are themselves a valid spool record (anyone who writes a line a source reads can make one: no
/// line break, a correct checksum) inside a batch that is torn or damaged. The search for the next intact record after
/// damage took it for a batch (helper-121): its events were sent, and its checkpoints, the newest, made every source
/// resume from the forger's positions, so the torn batch's own events were never read again.
/// </summary>
public sealed class SpoolForgedRecordTests : IDisposable
{
    private readonly TempDirectory _spool = new();

    [Theory]
    [InlineData(true)]  // kill -9 during the append of batch 1: its record cut 100 bytes before its end
    [InlineData(false)] // one changed byte in batch 1's body, batch 2 after it
    public void EventHoldingARecord_InADamagedBatch_NeverTakenForABatch(bool torn)
    {
        var forged = ForgedRecord();
        SpoolEntry second;
        using (var spool = DiskSpool.Open(_spool.Path, 16 * 1024 * 1024, long.MaxValue))
        {
            spool.Append(Batch(0, "{\"a\":1}\n"u8.ToArray()));
            second = spool.Append(Batch(1, [.. "{\"before\":1}\n"u8, .. forged, .. "\n"u8, .. Enumerable.Repeat((byte)'x', 4096), .. "\n"u8]));
            if (!torn)
            {
                spool.Append(Batch(2, "{\"c\":3}\n"u8.ToArray()));
            }
        }

        using (var file = new FileStream(second.Segment, FileMode.Open))
        {
            if (torn)
            {
                file.SetLength(second.Offset + second.Length - 100);
            }
            else
            {
                file.Position = second.Offset + second.Length - 50;
                file.WriteByte((byte)'y');
            }
        }

        using var again = DiskSpool.Open(_spool.Path, 16 * 1024 * 1024, long.MaxValue);
        var sequences = new List<long>();
        while (again.TryPeek(out var entry))
        {
            var batch = DiskSpool.Read(entry, out _)!;
            sequences.Add(batch.Sequence);
            again.Remove(entry, batch.Checkpoints);
        }

        Assert.Equal(torn ? [0L] : [0L, 2L], sequences);
        Assert.Equal(torn ? "0" : "2", again.Checkpoints["source"]);
    }

    // A record of sequence 999,999 with its own checkpoint, whose bytes hold no line break: one event of a batch.
    private static byte[] ForgedRecord()
    {
        for (var attempt = 0; ; attempt++)
        {
            var checkpoint = CheckpointCodec.Encode(new Dictionary<string, string> { ["source"] = "999999" });
            var record = SpoolRecordCodec.Encode(new SpooledBatch(999_999, Guid.NewGuid(), 1, false, EventContentType.Ndjson, checkpoint,
                System.Text.Encoding.UTF8.GetBytes($"{{\"forged\":{attempt}}}")));
            if (record.AsSpan().IndexOfAny((byte)'\n', (byte)'\r') < 0)
            {
                return record;
            }
        }
    }

    private static SpooledBatch Batch(long sequence, byte[] body) =>
        new(sequence, Guid.NewGuid(), body.Count(static b => b == (byte)'\n'), false, EventContentType.Ndjson,
            CheckpointCodec.Encode(new Dictionary<string, string> { ["source"] = sequence.ToString(CultureInfo.InvariantCulture) }), body);

    public void Dispose() => _spool.Dispose();
}
