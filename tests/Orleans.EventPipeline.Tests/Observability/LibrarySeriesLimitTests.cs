using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Observability;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// The silo's view limits another library's metric to <see cref="PipelineTelemetry.LibraryCardinalityLimit"/> series
/// (the SDK reserves that many points for each of them) and gives a pipeline metric its tenant-sized limit: more series
/// than the SDK's default of 2,000 fold into <c>otel_metric_overflow</c> under Orleans' meter name and not under the
/// pipeline's.
/// </summary>
public sealed class LibrarySeriesLimitTests
{
    // The pipeline metric's limit is then 3,001 (one series a tenant, and _other).
    private const int MaxTenantTags = 3000;

    [Fact]
    public void LibraryMetric_PastItsLimit_FoldsIntoOverflow_PipelineMetric_DoesNot()
    {
        var series = PipelineTelemetry.DefaultCardinalityLimit + 100;
        // Instrument names of this test only: Orleans may run in this process and publish its own under the same meter.
        var name = $"eventpipeline-test-series-{Guid.NewGuid():N}";
        using var library = new Meter(PipelineTelemetry.OrleansMeter);
        using var pipeline = new Meter(IngestInstruments.MeterName);
        var libraryCounter = library.CreateCounter<long>(name);
        var pipelineCounter = pipeline.CreateCounter<long>(name);
        var exported = new List<Metric>();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PipelineTelemetry.OrleansMeter, IngestInstruments.MeterName)
            .AddView(instrument => PipelineTelemetry.StreamConfiguration(instrument, MaxTenantTags))
            .AddInMemoryExporter(exported)
            .Build();

        for (var i = 0; i < series; i++)
        {
            libraryCounter.Add(1, new KeyValuePair<string, object?>("grain_type", $"type-{i}"));
            pipelineCounter.Add(1, new KeyValuePair<string, object?>("tenant", $"tenant-{i}"));
        }

        Assert.True(provider.ForceFlush());
        var (libraryPoints, libraryOverflow, libraryTotal) = Read(exported.Single(m => m.Name == name && m.MeterName == PipelineTelemetry.OrleansMeter));
        var (pipelinePoints, pipelineOverflow, pipelineTotal) = Read(exported.Single(m => m.Name == name && m.MeterName == IngestInstruments.MeterName));

        Assert.InRange(libraryPoints, PipelineTelemetry.LibraryCardinalityLimit - 1, PipelineTelemetry.LibraryCardinalityLimit + 1);
        Assert.True(libraryOverflow > 0, "the series past the library limit fold into the overflow point");
        Assert.Equal(series, libraryTotal);
        Assert.Equal(series, pipelinePoints);
        Assert.Equal(0, pipelineOverflow);
        Assert.Equal(series, pipelineTotal);
    }

    /// <summary>Points exported, the value of the overflow point, and the sum of every point.</summary>
    private static (int Points, long Overflow, long Total) Read(Metric metric)
    {
        int points = 0;
        long overflow = 0, total = 0;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            points++;
            var value = point.GetSumLong();
            total += value;
            foreach (var tag in point.Tags)
            {
                if (tag.Key == "otel.metric.overflow")
                {
                    overflow += value;
                }
            }
        }

        return (points, overflow, total);
    }
}
