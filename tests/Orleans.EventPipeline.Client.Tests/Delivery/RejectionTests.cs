using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Tests.Support;

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

    [Theory]
    [InlineData("/not-the-gateway/")]
    // Without the slash the prefix was dropped: the batch went to /v1/events, not to the prefix's.
    [InlineData("/not-the-gateway")]
    public async Task WrongEndpointPath_404_RetriedWithTheBatchKept_ThenTheRightEndpoint_ArchivedOnce(string path)
    {
        // A 404 or 405 is an endpoint to fix, as a 401 is a key: the batch was removed and its events lost (helper-104).
        var tenant = "wrongpath" + path.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var key = await shared.Silo.Api.CreateTenantAsync(tenant);
        var handler = new RecordingHandler();
        var failed = new ConcurrentQueue<BatchFailedEventArgs>();
        await using (var wrong = new EventPipelineClient(TestClients.Options(new Uri(shared.Silo.Url, path), key, _spool.Path), handler: handler))
        {
            wrong.BatchFailed += (_, e) => failed.Enqueue(e);
            wrong.Start();
            await wrong.SendAsync(NumberedEvents.Make("w", 0, 5));
            await wrong.FlushAsync();
            await Poll.UntilAsync(() => handler.Attempts.Count(static a => a.Status == HttpStatusCode.NotFound) >= 3, TimeSpan.FromSeconds(60), () => "the batch was not retried");
            Assert.Equal(1, wrong.Statistics.SpooledBatches);
        }

        await using var right = new EventPipelineClient(TestClients.Options(shared.Silo.Url, key, _spool.Path));
        right.Start();
        await right.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Empty(failed);
        Assert.Equal(5, right.Statistics.EventsAcknowledged);
        var archived = await shared.Silo.ArchivedAsync(tenant, 5, TimeSpan.FromSeconds(60));
        Assert.Equal(NumberedEvents.Names("w", 0, 5).Order(), archived.Order());
    }

    [Fact]
    public async Task A2xxThatIsNotTheGatewaysAnswer_Retried_ThenTheRightEndpoint_ArchivedOnce()
    {
        // Another service on the endpoint answering "200 OK" stopped the client's sending for good (helper-104).
        const string tenant = "not-the-answer";
        var key = await shared.Silo.Api.CreateTenantAsync(tenant);
        using var impostor = new HttpListener();
        var port = FreeTcpPorts.Pick(1)[0];
        impostor.Prefixes.Add($"http://127.0.0.1:{port}/");
        impostor.Start();
        var answered = 0;
        var serving = Task.Run(async () =>
        {
            while (impostor.IsListening)
            {
                var context = await impostor.GetContextAsync();
                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync("OK"u8.ToArray());
                context.Response.Close();
                Interlocked.Increment(ref answered);
            }
        });
        await using (var wrong = new EventPipelineClient(TestClients.Options(new Uri($"http://127.0.0.1:{port}/"), key, _spool.Path)))
        {
            wrong.Start();
            await wrong.SendAsync(NumberedEvents.Make("o", 0, 5));
            await wrong.FlushAsync();
            await Poll.UntilAsync(() => Volatile.Read(ref answered) >= 3, TimeSpan.FromSeconds(60), () => "the batch was not retried");
            Assert.Equal(1, wrong.Statistics.SpooledBatches);
            Assert.Equal(0, wrong.Statistics.EventsAcknowledged);
        }

        impostor.Stop();
        await using var right = new EventPipelineClient(TestClients.Options(shared.Silo.Url, key, _spool.Path));
        right.Start();
        await right.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var archived = await shared.Silo.ArchivedAsync(tenant, 5, TimeSpan.FromSeconds(60));
        Assert.Equal(NumberedEvents.Names("o", 0, 5).Order(), archived.Order());
        _ = serving.Exception;
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
