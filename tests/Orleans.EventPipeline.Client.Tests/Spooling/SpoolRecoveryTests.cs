using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// A spool whose tail a crash tore, or whose bytes changed on disk: the client sends what is intact, in order, and
/// reports the rest; after a torn tail it hands back the checkpoint of the last intact batch so a source re-reads it.
/// </summary>
[Collection(SharedSiloGroup.Name)]
public sealed class SpoolRecoveryTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _spool = new();

    [Fact]
    public async Task TornTail_IntactBatchesSentInOrder_TornOneReported()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync("torn");
        var options = TestClients.Options(silo.Url, key, _spool.Path);
        var records = await SpoolThreeBatchesAsync(options, "t");
        var segment = Directory.EnumerateFiles(_spool.Path, "*.seg").Single();
        // A crash during the third batch's write: its last 10 bytes never reached the disk.
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - 10);
        }

        var handler = new RecordingHandler();
        await using var client = new EventPipelineClient(options, handler: handler);
        Assert.Equal(2, client.Recovery.Batches);
        Assert.Equal(200, client.Recovery.Events);
        var damage = Assert.Single(client.Recovery.Damage);
        Assert.Equal(records[0] + records[1], damage.Offset);
        Assert.Equal(records[2] - 10, damage.BytesLost);
        Assert.Contains("cut short", damage.Reason, StringComparison.Ordinal);
        Assert.Equal("200", client.Checkpoints["source"]);

        client.Start();
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var keys = handler.Attempts.Select(static a => a.Key).Distinct().ToList();
        Assert.Equal(2, keys.Count);
        var archived = await silo.ArchivedAsync("torn", 200, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived("torn", NumberedEvents.Names("t", 0, 200), archived, output);
        // Sent in spool order: batch 0's events were archived before batch 1's (one stream, one processor).
        Assert.Equal(NumberedEvents.Names("t", 0, 200).Order(StringComparer.Ordinal), archived);
    }

    [Fact]
    public async Task CorruptRecord_OnlyThatBatchLost_TheOneAfterKept_ReportedOnce_ThenArchivedOnce()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync("corrupt");
        var options = TestClients.Options(new Uri("http://127.0.0.1:9"), "unused-key", _spool.Path);
        var records = await SpoolThreeBatchesAsync(options, "c");
        var segment = Directory.EnumerateFiles(_spool.Path, "*.seg").Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[records[0] + records[1] / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes);

        await using (var client = new EventPipelineClient(options))
        {
            Assert.Equal(2, client.Recovery.Batches);
            Assert.Equal(200, client.Recovery.Events);
            var damage = Assert.Single(client.Recovery.Damage);
            Assert.Equal(records[0], damage.Offset);
            Assert.Equal(records[1], damage.BytesLost);
            Assert.Equal(1, damage.FirstSequence);
            Assert.Equal(1, damage.LastSequence);
            Assert.Contains("checksum", damage.Reason, StringComparison.Ordinal);
            Assert.True(File.Exists(damage.SavedTo), damage.SavedTo);
            // The third batch is kept and sent: its source resumes after it, so nothing is read twice.
            Assert.Equal("300", client.Checkpoints["source"]);
        }

        // Reported once: the damaged bytes were moved out of the segment, so the next start finds only the intact batches.
        await using var again = new EventPipelineClient(TestClients.Options(silo.Url, key, _spool.Path));
        Assert.Empty(again.Recovery.Damage);
        Assert.Equal(2, again.Recovery.Batches);
        again.Start();
        await again.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var archived = await silo.ArchivedAsync("corrupt", 200, TimeSpan.FromSeconds(90));
        // Batches 0 and 2, each once; batch 1 (c100 to c199) is the one the changed byte cost.
        var expected = NumberedEvents.Names("c", 0, 300);
        expected.ExceptWith(NumberedEvents.Names("c", 100, 100));
        ExactlyOnce.AssertArchived("corrupt", expected, archived, output);
    }

    /// <summary>Three batches of 100 spooled (never sent), each with the source's position after it; returns each record's size.</summary>
    private static async Task<long[]> SpoolThreeBatchesAsync(EventPipelineClientOptions options, string prefix)
    {
        var sizes = new long[3];
        await using var client = new EventPipelineClient(options);
        for (var b = 0; b < 3; b++)
        {
            var before = client.Statistics.SpooledBytes;
            await client.SendAsync(NumberedEvents.Make(prefix, b * 100, 100), new SourceCheckpoint("source", ((b + 1) * 100).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            sizes[b] = client.Statistics.SpooledBytes - before;
            Assert.True(sizes[b] > 0, "a full batch (MaxBatchEvents) was not spooled when cut");
        }

        return sizes;
    }

    public void Dispose() => _spool.Dispose();
}
