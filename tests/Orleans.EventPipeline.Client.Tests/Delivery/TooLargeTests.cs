using System.Collections.Concurrent;
using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>A batch over the gateway's body limit (413 for the whole body) is split and sent in halves, none dropped.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class TooLargeTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _spool = new();

    [Fact]
    public async Task ACallOverTheGatewaysBodyLimit_413_IsSplitInHalves_EveryEventArchivedOnce()
    {
        // One call of 118 events of ~133 KB (15.7 MB, MaxCallBytes allows 512 MiB) got 413 "the limit is 10485760"
        // and the whole batch was removed: 118 events lost.
        const string tenant = "too-large";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var options = TestClients.Options(silo.Url, key, _spool.Path);
        options.Compress = false;
        options.MaxBatchEvents = 1000;
        await using var client = new EventPipelineClient(options);
        var failed = new ConcurrentQueue<BatchFailedEventArgs>();
        client.BatchFailed += (_, e) => failed.Enqueue(e);
        client.Start();
        var pad = new string('x', 133_000);
        ReadOnlyMemory<byte>[] events = [.. Enumerable.Range(0, 118).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"n\":\"{NumberedEvents.Name("big", i)}\",\"pad\":\"{pad}\"}}"))];

        await client.SendAsync(events);
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Empty(failed);
        Assert.Equal(118, client.Statistics.EventsAcknowledged);
        Assert.Equal(0, client.Statistics.EventsFailed);
        var archived = await silo.ArchivedAsync(tenant, 118, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(tenant, NumberedEvents.Names("big", 0, 118), archived, output);
    }

    public void Dispose() => _spool.Dispose();
}
