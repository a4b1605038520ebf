using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Spooling;

/// <summary>A full spool either fails the call, naming the bound, or blocks the producer until acknowledgments free room: never a silent drop.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class SpoolFullTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    // The least the options allow: 128 KiB of batches besides the 128 KiB kept for the reserve and a split record.
    private const long Bound = 256 * 1024;
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Fail_ThrowsNamingTheBound_AndTakesNothingOfThatCall()
    {
        var options = Small(new Uri("http://127.0.0.1:9"), "unused-key", Path.Combine(_dir.Path, "fail"), SpoolFullMode.Fail);
        await using var client = new EventPipelineClient(options);
        var (taken, full) = await FillUntilFullAsync(client);

        Assert.InRange(taken, 100, 128);
        Assert.Equal(Bound, full.MaxSpoolBytes);
        Assert.Contains("MaxSpoolBytes (262144)", full.Message, StringComparison.Ordinal);
        Assert.Equal(taken, client.Statistics.EventsQueued);
    }

    [Fact]
    public async Task Block_WaitsUntilAcknowledgmentsFreeRoom_ThenEverythingArrivesOnce()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync("full");
        int taken;
        await using (var probe = new EventPipelineClient(Small(silo.Url, key, Path.Combine(_dir.Path, "probe"), SpoolFullMode.Fail)))
        {
            // Same events, same sizes: how many fit before the bound.
            (taken, _) = await FillUntilFullAsync(probe);
        }

        await using var client = new EventPipelineClient(Small(silo.Url, key, Path.Combine(_dir.Path, "block"), SpoolFullMode.BlockProducer));
        for (var i = 0; i < taken; i++)
        {
            await client.SendAsync(Event("f", i));
        }

        // Not started: nothing can free room, so the next send must wait rather than drop or throw.
        var blocked = client.SendAsync(Event("f", taken));
        Assert.False(blocked.IsCompleted, "a send into a full spool returned at once: it dropped or spooled past the bound");
        client.Start();
        await blocked.WaitAsync(TimeSpan.FromSeconds(60));
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var archived = await silo.ArchivedAsync("full", taken + 1, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived("full", NumberedEvents.Names("f", 0, taken + 1), archived, output);
    }

    /// <summary>Sends 1 KiB events (a client not started, under Fail) until the spool refuses one; returns how many were taken.</summary>
    private static async Task<(int Taken, SpoolFullException Full)> FillUntilFullAsync(EventPipelineClient client)
    {
        for (var taken = 0; taken < 1000; taken++)
        {
            try
            {
                await client.SendAsync(Event("f", taken));
            }
            catch (SpoolFullException full)
            {
                return (taken, full);
            }
        }

        throw new InvalidOperationException("1000 events of 1 KiB went into a 256 KiB spool: the bound is not enforced.");
    }

    // Padded to 1 KiB and not compressed, so the spool fills in a few dozen events.
    private static ReadOnlyMemory<byte> Event(string prefix, int i) =>
        System.Text.Encoding.UTF8.GetBytes($"{{\"n\":\"{NumberedEvents.Name(prefix, i)}\",\"pad\":\"{new string('x', 1000)}\"}}");

    private static EventPipelineClientOptions Small(Uri endpoint, string key, string spool, SpoolFullMode mode)
    {
        var options = TestClients.Options(endpoint, key, spool);
        options.MaxSpoolBytes = Bound;
        options.MaxBatchBytes = 4 * 1024;
        options.Compress = false;
        options.WhenSpoolFull = mode;
        return options;
    }

    public void Dispose() => _dir.Dispose();
}
