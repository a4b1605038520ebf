using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>The gateway killed (-9) while the client sends: events spool on disk and reach the archive once it is back.</summary>
public sealed class GatewayOutageTests(ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "outage";
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task GatewayKilled_EventsSpoolOnDisk_DeliveredOnceItIsBack_SpoolEmptiesAgain()
    {
        await using var silo = await ArchivingSilo.StartAsync(Path.Combine(_dir.Path, "silo"));
        var key = await silo.Api.CreateTenantAsync(Tenant);
        var handler = new RecordingHandler();
        var spool = Path.Combine(_dir.Path, "spool");
        await using var client = new EventPipelineClient(TestClients.Options(silo.Url, key, spool), handler: handler);
        client.Start();

        // Up: the first 200 go through.
        await client.SendAsync(NumberedEvents.Make("o", 0, 100));
        await client.SendAsync(NumberedEvents.Make("o", 100, 100));
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        await silo.KillAsync();
        for (var i = 200; i < 700; i += 100)
        {
            await client.SendAsync(NumberedEvents.Make("o", i, 100));
        }

        await client.FlushAsync();
        await Poll.UntilAsync(() => handler.Attempts.Count(static a => a.Status is null) >= 3, TimeSpan.FromSeconds(30), () => $"failed attempts while the gateway is down, saw {handler.Attempts.Count}");
        var down = client.Statistics;
        output.WriteLine($"while down: {down}");
        Assert.Equal(5, down.SpooledBatches);
        Assert.True(down.SpooledBytes > 0);
        Assert.True(down.Retries >= 3);
        Assert.True(Directory.EnumerateFiles(spool, "*.seg").Sum(static f => new FileInfo(f).Length) >= down.SpooledBytes, "the spooled batches are not on disk");

        await silo.RestartAsync();
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(120));

        var after = client.Statistics;
        Assert.Equal(0, after.SpooledBatches);
        Assert.Equal(0, after.SpooledBytes);
        Assert.Equal(700, after.EventsAcknowledged);
        var archived = await silo.ArchivedAsync(Tenant, 700, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(Tenant, NumberedEvents.Names("o", 0, 700), archived, output);
    }

    public void Dispose() => _dir.Dispose();
}
