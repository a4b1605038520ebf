using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>What the gateway refuses reaches the caller: single events from a 200's <c>rejected</c>; a 403 waits, spooled, for the tenant to be enabled.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class RejectionTests(SharedSilo shared) : IDisposable
{
    private readonly TempDirectory _spool = new();

    [Fact]
    public async Task InvalidLine_RejectedAlone_ReachesTheCallerWithItsBytes_AndTheMetrics()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync("rejects");
        using var metrics = new CounterSums(EventPipelineClient.MeterName);
        await using var client = new EventPipelineClient(TestClients.Options(silo.Url, key, _spool.Path));
        var rejected = new ConcurrentQueue<EventsRejectedEventArgs>();
        client.EventsRejected += (_, e) => rejected.Enqueue(e);
        client.Start();

        await client.SendAsync([.. NumberedEvents.Make("r", 0, 1), Encoding.UTF8.GetBytes("not json"), .. NumberedEvents.Make("r", 2, 1)]);
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var batch = Assert.Single(rejected);
        var refused = Assert.Single(batch.Rejected);
        Assert.Equal(1, refused.Index);
        Assert.Equal("not json", Encoding.UTF8.GetString(refused.Event.Span));
        Assert.Contains("JSON", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(2, client.Statistics.EventsAcknowledged);
        Assert.Equal(1, client.Statistics.EventsRejected);
        Assert.Equal(3, metrics.Sum("eventpipeline.client.events.queued"));
        Assert.Equal(2, metrics.Sum("eventpipeline.client.events.acknowledged"));
        Assert.Equal(1, metrics.Sum("eventpipeline.client.events.rejected"));
    }

    [Fact]
    public async Task DisabledTenant_403_RetriedWithTheBatchKept_ThenEnabled_ArchivedOnce()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync("paused");
        using (var disable = await silo.Api.PutTenantAsync("paused", new { displayName = "paused", enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        var handler = new RecordingHandler();
        await using var client = new EventPipelineClient(TestClients.Options(silo.Url, key, _spool.Path), handler: handler);
        var failed = new ConcurrentQueue<BatchFailedEventArgs>();
        client.BatchFailed += (_, e) => failed.Enqueue(e);
        client.Start();

        await client.SendAsync(NumberedEvents.Make("p", 0, 5));
        await client.FlushAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (handler.Attempts.Count(static a => a.Status == HttpStatusCode.Forbidden) < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        // Refused three times, still spooled, nothing failed: the operator may still enable the tenant.
        Assert.True(handler.Attempts.Count(static a => a.Status == HttpStatusCode.Forbidden) >= 3);
        Assert.Empty(failed);
        Assert.Equal(1, client.Statistics.SpooledBatches);
        Assert.True(client.Statistics.Retries >= 2);
        using (var enable = await silo.Api.PutTenantAsync("paused", new { displayName = "paused", enabled = true }))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Empty(failed);
        Assert.Equal(0, client.Statistics.SpooledBatches);
        Assert.Equal(5, client.Statistics.EventsAcknowledged);
        var archived = await silo.ArchivedAsync("paused", 5, TimeSpan.FromSeconds(60));
        Assert.Equal(NumberedEvents.Names("p", 0, 5).Order(), archived.Order());
    }

    [Fact]
    public async Task WrongEndpointPath_404_NotRetried_BatchReportedAndRemoved()
    {
        var handler = new RecordingHandler();
        var key = await shared.Silo.Api.CreateTenantAsync("wrongpath");
        await using var client = new EventPipelineClient(TestClients.Options(new Uri(shared.Silo.Url, "/not-the-gateway/"), key, _spool.Path), handler: handler);
        var failed = new ConcurrentQueue<BatchFailedEventArgs>();
        client.BatchFailed += (_, e) => failed.Enqueue(e);
        client.Start();

        await client.SendAsync(NumberedEvents.Make("w", 0, 5));
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var batch = Assert.Single(failed);
        Assert.Equal(HttpStatusCode.NotFound, batch.Status);
        Assert.Equal(5, batch.EventCount);
        Assert.Single(handler.Attempts);
        Assert.Equal(0, client.Statistics.Retries);
        Assert.Equal(5, client.Statistics.EventsFailed);
        Assert.Equal(0, client.Statistics.SpooledBatches);
    }

    public void Dispose() => _spool.Dispose();

    /// <summary>Sums what the client's counters record while it lives (the tests of this assembly run one at a time).</summary>
    private sealed class CounterSums : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

        public CounterSums(string meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
            _listener.Start();
        }

        public long Sum(string name) => _sums.GetValueOrDefault(name);

        public void Dispose() => _listener.Dispose();
    }
}
