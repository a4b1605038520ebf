using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// The bytes of a damaged record are saved in <c>{segment}.{offset}.damaged</c> at open (SpoolMidDamageTests). They were
/// not counted in <see cref="EventPipelineClientOptions.MaxSpoolBytes"/> and never deleted, so damage found at every
/// start filled the disk past the bound. They count now, and are kept to half of it, the oldest deleted first.
/// </summary>
public sealed class SpoolDamagedBytesTests : IDisposable
{
    // Segments of 1 MiB (a quarter), calls of up to 2 MiB, .damaged files kept to 2 MiB.
    private const long MaxSpoolBytes = 4L * 1024 * 1024;
    private readonly TempDirectory _spool = new();

    [Fact]
    public async Task DamagedFiles_CountInMaxSpoolBytes_UntilAnOperatorRemovesThem()
    {
        await SpoolAsync(("lost", 1_200_000), ("after", 100));
        Damage("lost");
        var options = Options();
        await using var client = new EventPipelineClient(options);
        var saved = Assert.Single(client.Recovery.Damage).SavedTo!;
        Assert.True(new FileInfo(saved).Length > 1_200_000);

        // 1.4 MB spooled and 2 MB called: 3.4 MB, under the bound, and 4.6 MB with the damaged record's bytes.
        await client.SendAsync(Event("spooled", 1_400_000));
        await client.FlushAsync();
        var full = await Assert.ThrowsAsync<SpoolFullException>(() => client.SendAsync(Event("call", 2_000_000)));
        Assert.Contains(".damaged", full.Message, StringComparison.Ordinal);

        // Removed by an operator: the room is seen at the next call.
        File.Delete(saved);
        await client.SendAsync(Event("call", 2_000_000));
        await client.FlushAsync();
        Assert.Equal(3, client.Statistics.SpooledBatches);
    }

    [Fact]
    public async Task Statistics_ShowTheDamagedFiles_UntilAnOperatorRemovesThem()
    {
        await SpoolAsync(("lost", 1_200_000), ("after", 100));
        Damage("lost");
        await using var client = new EventPipelineClient(Options());
        var saved = Assert.Single(client.Recovery.Damage).SavedTo!;

        // Seen without listing the folder, and counted in what the bound holds.
        var statistics = client.Statistics;
        Assert.Equal(new FileInfo(saved).Length, statistics.DamagedBytes);
        Assert.Equal(1, statistics.DamagedFiles);
        Assert.True(statistics.SpoolDiskBytes >= statistics.DamagedBytes + statistics.SpooledBytes + (128 * 1024), statistics.ToString());

        File.Delete(saved);
        Assert.Equal(0, client.Statistics.DamagedBytes);
        Assert.Equal(0, client.Statistics.DamagedFiles);
    }

    [Fact]
    public async Task DamagedFilesPastHalfOfMaxSpoolBytes_OldestDeletedAtOpen_NewestKept()
    {
        await SpoolAsync(("first", 1_200_000), ("second", 1_200_000), ("after", 100));
        Damage("first");
        string first;
        await using (var client = new EventPipelineClient(Options()))
        {
            first = Assert.Single(client.Recovery.Damage).SavedTo!;
        }

        // The second damage, found at a later start: both files would hold 2.4 MB, more than half of the 4 MiB bound.
        Damage("second");
        await using (var client = new EventPipelineClient(Options()))
        {
            var second = Assert.Single(client.Recovery.Damage).SavedTo!;
            Assert.True(File.Exists(second), "the newest damaged record's bytes are kept");
            Assert.False(File.Exists(first), "the oldest .damaged file was deleted to keep them within half of MaxSpoolBytes");
        }

        Assert.InRange(Directory.EnumerateFiles(_spool.Path, "*.damaged").Sum(static f => new FileInfo(f).Length), 1, MaxSpoolBytes / 2);
    }

    private EventPipelineClientOptions Options()
    {
        // Never started: nothing is sent, the batches stay spooled.
        var options = TestClients.Options(new Uri("http://127.0.0.1:9/"), "unused", _spool.Path);
        options.MaxSpoolBytes = MaxSpoolBytes;
        options.WhenSpoolFull = SpoolFullMode.Fail;
        options.Compress = false;
        return options;
    }

    /// <summary>Spools one batch of one event per (name, size): each of a megabyte or more in a segment of its own.</summary>
    private async Task SpoolAsync(params (string Name, int Bytes)[] batches)
    {
        await using var client = new EventPipelineClient(Options());
        foreach (var (name, bytes) in batches)
        {
            await client.SendAsync(Event(name, bytes));
            await client.FlushAsync();
        }
    }

    /// <summary>Changes one byte of the event named <paramref name="name"/> where it lies in its segment, as a bad disk would.</summary>
    private void Damage(string name)
    {
        var marker = Encoding.UTF8.GetBytes($"\"n\":\"{name}\"");
        foreach (var segment in Directory.EnumerateFiles(_spool.Path, "*.seg"))
        {
            var bytes = File.ReadAllBytes(segment);
            var at = bytes.AsSpan().IndexOf(marker);
            if (at >= 0)
            {
                bytes[at + marker.Length + 100] ^= 0x01;
                File.WriteAllBytes(segment, bytes);
                return;
            }
        }

        Assert.Fail($"no segment holds the event {name}");
    }

    private static ReadOnlyMemory<byte> Event(string name, int bytes) =>
        Encoding.UTF8.GetBytes($"{{\"n\":\"{name}\",\"pad\":\"{new string('x', bytes)}\"}}");

    public void Dispose() => _spool.Dispose();
}
