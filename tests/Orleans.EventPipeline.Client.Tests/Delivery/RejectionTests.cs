using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>What the gateway refuses reaches the caller: single events from a 200's <c>rejected</c>, whole batches from a 4xx (not retried).</summary>
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
    public async Task UnknownKey_401_NotRetried_BatchReportedAndRemoved()
    {
        var handler = new RecordingHandler();
        await using var client = new EventPipelineClient(TestClients.Options(shared.Silo.Url, "no-such-key-0123456789", _spool.Path), handler: handler);
        var failed = new ConcurrentQueue<BatchFailedEventArgs>();
        client.BatchFailed += (_, e) => failed.Enqueue(e);
        client.Start();

        await client.SendAsync(NumberedEvents.Make("k", 0, 5));
        await client.DrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var batch = Assert.Single(failed);
        Assert.Equal(HttpStatusCode.Unauthorized, batch.Status);
        Assert.Equal(5, batch.EventCount);
        Assert.NotEmpty(batch.Detail);
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
