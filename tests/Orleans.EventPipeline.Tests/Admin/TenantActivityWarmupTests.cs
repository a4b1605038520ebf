using System.Diagnostics.Metrics;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Silo.Dashboard;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>The dashboard's figures leave out the gateways' start-up warm-up: its spike at each start is not the operator's tenants'.</summary>
public sealed class TenantActivityWarmupTests
{
    [Fact]
    public async Task WarmupMeasurements_LeftOut_ATenantsCounted()
    {
        // A meter of the gateway's name: the listener takes its instruments by meter and instrument name.
        using var meter = new Meter(IngestInstruments.MeterName);
        var events = meter.CreateCounter<long>("eventpipeline.ingest.events");
        using var activity = new TenantActivity(TimeProvider.System);
        await activity.StartAsync(CancellationToken.None);
        var tenant = $"activity-{Guid.NewGuid():N}"[..30];

        events.Add(500, new KeyValuePair<string, object?>(TenantTag.Name, TenantId.Warmup));
        events.Add(3, new KeyValuePair<string, object?>(TenantTag.Name, tenant));

        var deltas = activity.TakeDeltas();
        Assert.DoesNotContain(deltas, static d => d.TenantId == TenantId.Warmup);
        Assert.Equal(3, Assert.Single(deltas, d => d.TenantId == tenant).Events);
        Assert.Equal(3, activity.Figures(tenant).Events);
    }
}
