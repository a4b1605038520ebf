using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Orleans.EventPipeline.EventHubsEmulator.Log;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>The meters and activity sources the silo exports: the pipeline's own, Orleans', ASP.NET Core's and the Event Hubs client's.</summary>
public static class PipelineTelemetry
{
    /// <summary><c>service.name</c> of everything the silo exports.</summary>
    public const string ServiceName = "orleans-eventpipeline";

    /// <summary>Every meter of the pipeline's stages; the emulator's partition logs report only in local mode, where the silo embeds them.</summary>
    public static readonly string[] PipelineMeters =
    [
        IngestInstruments.MeterName,
        ProcessingInstruments.MeterName,
        ProcessingGrainInstruments.MeterName,
        StreamCacheInstruments.MeterName,
        PartitionLog.MeterName,
        Admin.Authentication.AdminAuthFailures.MeterName,
    ];

    /// <summary>The OpenTelemetry SDK's series limit per metric when no view sets one.</summary>
    public const int DefaultCardinalityLimit = 2000;

    /// <summary>
    /// The series limit of a pipeline metric, so the SDK never folds series into <c>otel_metric_overflow</c>
    /// before the tenant cap does: each of the (<paramref name="maxTenantTags"/> + 1, for <c>_other</c>) tenant
    /// values times the values of the tag the metric combines with tenant (outcome, reason or stage). Never
    /// below the SDK's default, which the partition-tagged metrics (bounded by the hubs' partitions) rely on.
    /// The SDK reserves the points of a metric up front, so each gets only what it can use.
    /// </summary>
    public static int CardinalityLimit(string instrumentName, int maxTenantTags) =>
        Math.Max(DefaultCardinalityLimit, (maxTenantTags + 1) * ValuesBesideTenant(instrumentName));

    private static int ValuesBesideTenant(string instrumentName) => instrumentName switch
    {
        IngestInstruments.RequestsName => IngestInstruments.Outcomes.Count,
        IngestInstruments.RejectedName => IngestInstruments.Reasons.Count,
        IngestInstruments.AckDurationName => IngestInstruments.GrainOutcomes.Count,
        ProcessingGrainInstruments.DeadLettersName => ProcessingGrainInstruments.DeadLetterStages,
        _ => 1,
    };

    /// <summary>
    /// The series limit of the other libraries' metrics (Orleans', ASP.NET Core's), 500: their tags are grain types,
    /// storage providers, routes and status codes, and none showed more than 28 series in a load run (activations by
    /// grain type). The SDK reserves a metric's points up front, about 72 bytes each, so its default of 2,000 held
    /// ~45 MB of a silo's heap for the ~300 instruments those libraries create, most never used (heap more than
    /// resident memory: most points are never written). Past it a library's extra series fold into
    /// <c>otel_metric_overflow</c>; the pipeline's own metrics have <see cref="CardinalityLimit"/>.
    /// </summary>
    public const int LibraryCardinalityLimit = 500;

    /// <summary>
    /// The view of every metric the silo exports: a pipeline metric gets its <see cref="CardinalityLimit"/>, another
    /// library's <see cref="LibraryCardinalityLimit"/> and, when it has none, a description (<see cref="HelpFor"/>).
    /// </summary>
    public static MetricStreamConfiguration StreamConfiguration(Instrument instrument, int maxTenantTags)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (instrument.Meter.Name == RuntimeMeter && UnexportedRuntimeInstruments.Contains(instrument.Name))
        {
            return MetricStreamConfiguration.Drop;
        }

        return PipelineMeters.Contains(instrument.Meter.Name)
            ? new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit(instrument.Name, maxTenantTags) }
            : new MetricStreamConfiguration { CardinalityLimit = LibraryCardinalityLimit, Description = HelpFor(instrument) };
    }

    /// <summary>Orleans' own meter (grain calls, activations, messaging, streams).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>
    /// The runtime's own meter (GC heap sizes and collections, working set, thread pool, exceptions): what shows that
    /// memory stays within the budgets docs/PERFORMANCE.md states, from /metrics, without a profiler.
    /// </summary>
    public const string RuntimeMeter = "System.Runtime";

    // Gauges of the runtime's meter whose exposition names end in _count, which Prometheus keeps for histograms and
    // summaries (promtool check metrics reports them); what they count says nothing about memory or load.
    private static readonly HashSet<string> UnexportedRuntimeInstruments = new(StringComparer.Ordinal)
    {
        "dotnet.assembly.count", "dotnet.process.cpu.count", "dotnet.timer.count",
    };

    /// <summary>
    /// The help text of an instrument its library ships without a description (Orleans' own), else null: an
    /// exposition metric without HELP fails <c>promtool check metrics</c>. It names the instrument as its
    /// library does, so an operator can look it up there; the pipeline cannot say more than that honestly.
    /// </summary>
    public static string? HelpFor(Instrument instrument) =>
        string.IsNullOrWhiteSpace(instrument.Description)
            ? $"{instrument.Meter.Name} instrument {instrument.Name}" + (string.IsNullOrEmpty(instrument.Unit) ? "" : $" (unit {instrument.Unit})") + "; its library gives it no description."
            : null;

    /// <summary>
    /// The sources of an ingest request's trace past its HTTP span: Orleans' grain calls (with activity
    /// propagation on) and the Event Hubs client's sends, which Azure.Core emits only with its activity
    /// source switch on; and the processors' spans, each linked to the request that wrote its batch.
    /// </summary>
    public static readonly string[] TraceSources =
    [
        "Microsoft.Orleans.Application",
        "Microsoft.Orleans.Runtime",
        "Azure.Messaging.EventHubs.*",
        ProcessingActivities.SourceName,
    ];

    /// <summary>Azure.Core's switch that makes the Azure SDK's clients emit their <see cref="System.Diagnostics.ActivitySource"/>s.</summary>
    public const string AzureActivitySourceSwitch = "Azure.Experimental.EnableActivitySource";
}
