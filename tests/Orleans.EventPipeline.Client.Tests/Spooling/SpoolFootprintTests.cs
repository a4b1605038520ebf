using System.Net;
using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Testing;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>
/// MaxSpoolBytes set to the size of the spool's disk (an edge device): the bound counted the batches only, not the 64 KiB
/// reserve beside them nor a split record, so the spool filled the disk before its bound. The sources then waited on a
/// full disk instead of hearing SpoolFullException, and a batch split after a 413 found no room for its record. The
/// reserve and a split record's room count in the bound now.
/// </summary>
public sealed class SpoolFootprintTests(ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "spool-footprint";

    // A 1 MiB tmpfs and a bound of as much; segments of a quarter of it, batches of 5 events of 3 KB.
    private const long Bound = 1024 * 1024;
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task SpoolBoundAtItsDisksSize_FullAtTheBoundNotTheDisk_ThenSplitsAfter413AreRecorded_EveryEventArchivedOnce()
    {
        using var disk = TmpfsMount.Create(megabytes: 1);
        var spool = Path.Combine(disk.Path, "spool");
        int taken;
        await using (var client = new EventPipelineClient(Options(new Uri("http://127.0.0.1:9/"), "unused", spool, SpoolFullMode.Fail)))
        {
            // Not started: nothing is sent. Each call must end at once, taken or refused; a call that waits is on a full disk.
            taken = 0;
            while (true)
            {
                try
                {
                    await client.SendAsync(Event(taken)).WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (SpoolFullException)
                {
                    break;
                }

                taken++;
                Assert.True(taken < 1_000, "1,000 events of 3 KB went into a 1 MiB spool: the bound is not enforced");
            }

            await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
            output.WriteLine($"{taken} events taken; spool files {Describe(spool)}; statistics {client.Statistics}");
            // Every file (segments, reserve, lock) and the split record's 64 KiB within the bound, but for the framing of the
            // batch flushed last: its events were counted, its record's 50 bytes and checkpoints were not (less than a page).
            Assert.InRange(SpoolFiles(spool), Bound / 2, Bound - (64 * 1024) + 4096);
        }

        // The gateway takes 8 KiB: each batch (15 KB) is split, its split recorded on the full disk before its first half
        // goes. The network goes down at the first 200, so the client stops with that batch split and half sent.
        var data = Path.Combine(_dir.Path, "silo");
        await using var silo = await ArchivingSilo.StartAsync(data, ["--Pipeline:Gateway:MaxBodyBytes=8192"]);
        var key = await silo.Api.CreateTenantAsync(Tenant);
        var before = new RecordingHandler { GoesDownAfter = static a => a.Status == HttpStatusCode.OK };
        await using (var client = new EventPipelineClient(Options(silo.Url, key, spool, SpoolFullMode.Fail), handler: before))
        {
            client.Start();
            await Poll.UntilAsync(() => before.Attempts.Any(static a => a.Status == HttpStatusCode.ServiceUnavailable), TimeSpan.FromSeconds(60), () => Describe(spool));
            Assert.True(client.Statistics.SplitRecordBytes >= 16, $"no split record: {client.Statistics}");
        }

        var record = Assert.Single(Directory.EnumerateFiles(spool, "*.split"));
        Assert.True(new FileInfo(record).Length >= 16, "the split was not recorded");

        await using (var client = new EventPipelineClient(Options(silo.Url, key, spool, SpoolFullMode.Fail)))
        {
            client.Start();
            await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(120));
            Assert.Equal(0, client.Statistics.SplitRecordBytes);
        }

        var archived = await silo.ArchivedAsync(Tenant, taken, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(Tenant, NumberedEvents.Names("b", 0, taken), archived, output);
        Assert.Empty(Directory.EnumerateFiles(spool, "*.split"));
    }

    private static EventPipelineClientOptions Options(Uri endpoint, string key, string spool, SpoolFullMode mode)
    {
        var options = TestClients.Options(endpoint, key, spool);
        options.MaxSpoolBytes = Bound;
        options.MaxBatchBytes = 16 * 1024;
        options.Compress = false;
        options.WhenSpoolFull = mode;
        return options;
    }

    private static ReadOnlyMemory<byte> Event(int i) =>
        Encoding.UTF8.GetBytes($"{{\"n\":\"{NumberedEvents.Name("b", i)}\",\"pad\":\"{new string('x', 3000)}\"}}");

    /// <summary>Bytes of every file in the spool directory, as their lengths.</summary>
    private static long SpoolFiles(string spool) => Directory.EnumerateFiles(spool).Sum(static f => new FileInfo(f).Length);

    private static string Describe(string spool) =>
        string.Join(", ", Directory.EnumerateFiles(spool).Order(StringComparer.Ordinal).Select(static f => $"{Path.GetFileName(f)} {new FileInfo(f).Length}"));

    public void Dispose() => _dir.Dispose();
}
