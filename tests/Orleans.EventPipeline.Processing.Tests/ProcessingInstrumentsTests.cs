using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Normalization;
using Orleans.EventPipeline.Processing.Ordering;
using Orleans.EventPipeline.Processing.Tests.Support;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Processing.Tests;

public sealed class ProcessingInstrumentsTests
{
    [Fact]
    public void Counters_ParseFailuresAndLateEvents_AreCountedPerTenant()
    {
        // Tests run in parallel on the shared meter: count only this test's tenant.
        var tenant = "metrics-" + Guid.NewGuid().ToString("N");
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = static (instrument, l) =>
        {
            if (instrument.Meter.Name == ProcessingInstruments.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "tenant" && (string?)tag.Value == tenant)
                {
                    lock (counts)
                    {
                        counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
                    }
                }
            }
        });
        listener.Start();

        new EventNormalizer(new NormalizationSettings()).Normalize(RawBatches.Create(tenant, Guid.NewGuid(), EventKind.Json, 0, "{\"message\":\"ok\"}", "{bad"));
        var order = new ReorderBuffer(new OrderingSettings { LatenessWindow = TimeSpan.Zero }, new FakeTimeProvider(TestEvents.Ingest.AddMinutes(1)));
        var released = new ReleasedEvents();
        order.AddRange([TestEvents.At(TestEvents.Ingest.AddSeconds(5), "a", tenant), TestEvents.At(TestEvents.Ingest, "b", tenant)], released);

        Assert.Equal(1, counts["eventpipeline.events.parsed"]);
        Assert.Equal(1, counts["eventpipeline.events.parse_failed"]);
        Assert.Equal(1, counts["eventpipeline.events.late"]);
    }
}
