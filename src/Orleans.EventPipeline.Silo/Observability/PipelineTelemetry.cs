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
    ];

    /// <summary>Orleans' own meter (grain calls, activations, messaging, streams).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

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
