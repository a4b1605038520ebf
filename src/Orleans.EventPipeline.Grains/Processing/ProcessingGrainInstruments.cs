using System.Diagnostics.Metrics;
using Orleans.EventPipeline.Processing;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Metrics of the processing grains, on the meter <see cref="MeterName"/>, next to the stages' own
/// (<c>Orleans.EventPipeline.Processing</c>). Tagged with the tenant, bounded by <see cref="TenantTag.Cap"/>,
/// or with the Event Hubs partition, bounded by the hub's partition count.
/// </summary>
public static class ProcessingGrainInstruments
{
    public const string MeterName = "Orleans.EventPipeline.Grains.Processing";

    public const string DeadLettersName = "eventpipeline.deadletters";

    /// <summary>Values of <c>stage</c> on <see cref="DeadLettersName"/>: ingest, normalize, enrich, archive.</summary>
    public const int DeadLetterStages = 4;

    /// <summary>
    /// Bucket bounds, in seconds, of the two lags: from milliseconds (a delivery on an idle silo) to half an hour
    /// (an archive store down), with bounds at the alerts' thresholds (60 s, 120 s). Without them the SDK's
    /// defaults, made for milliseconds (0, 5, 10, 25 ... 10000), would put every healthy lag under 5.
    /// </summary>
    private static readonly InstrumentAdvice<double> LagBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    };

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> ArchiveLag = Meter.CreateHistogram<double>(
        "eventpipeline.archive.lag", "s", "From the gateway's acknowledgement of an object's oldest event to the object being durable in the archive.", advice: LagBuckets);

    private static readonly Histogram<double> StreamLag = Meter.CreateHistogram<double>(
        "eventpipeline.stream.lag", "s", "From the gateway's write of a raw batch to Event Hubs to its delivery to the tenant's processor, per partition: how far behind processing is.", advice: LagBuckets);

    private static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>(
        DeadLettersName, "{event}", "Dead letters counted per tenant and stage (ingest, normalize, enrich, archive), each stream position once.");

    private static readonly Counter<long> Replayed = Meter.CreateCounter<long>(
        "eventpipeline.deadletters.replayed", "{event}", "Dead letters that passed a replay and were archived.");

    private static readonly Counter<long> ReleasedEarly = Meter.CreateCounter<long>(
        "eventpipeline.order.released_early", "{event}", "Events the order stage released before their lateness window was over, because the silo's reorder buffers were over Pipeline:Processing:MaxReorderBytes.");

    /// <summary>Name of the counter of events the processing grains dropped because a delete removed their tenant's data.</summary>
    public const string RemovedByDeleteName = "eventpipeline.processing.removed_by_delete";

    private static readonly Counter<long> RemovedByDelete = Meter.CreateCounter<long>(
        RemovedByDeleteName, "{event}", "Acknowledged events a processor or dead-letter grain dropped instead of archiving or keeping them: a delete with data=remove removed their tenant's data after they were acknowledged. Asked for, not lost.");

    /// <summary>Name of the counter of raw batches refused while the silo's archive buffers were at their budget.</summary>
    public const string ArchiveRefusedName = "eventpipeline.archive.refused";

    /// <summary>Name of the gauge of bytes this silo's archive buffers hold.</summary>
    public const string ArchiveBufferedBytesName = "eventpipeline.archive.buffered_bytes";

    private static readonly Counter<long> ArchiveRefused = Meter.CreateCounter<long>(
        ArchiveRefusedName, "{batch}", "Raw batches a processor refused because the store would not take its archive buffer while the silo's buffers held Pipeline:Archive:MaxBufferedBytes; the receiver retries them.");

    /// <summary>The buffered-bytes gauge of one silo, on a meter of the silo's own <paramref name="meters"/>, so that silos sharing a process each report their own.</summary>
    internal static void ObserveArchiveBufferedBytes(IMeterFactory meters, BufferBudget budget) =>
        meters.Create(MeterName).CreateObservableGauge(
            ArchiveBufferedBytesName, () => budget.Held, "By", "Uncompressed bytes this silo's archive buffers hold, against Pipeline:Archive:MaxBufferedBytes.");

    internal static void RecordArchiveRefused(string tenantId) => ArchiveRefused.Add(1, TenantTag.For(tenantId));

    internal static void RecordReleasedEarly(string tenantId, int count) =>
        ReleasedEarly.Add(count, TenantTag.For(tenantId));

    internal static void RecordArchiveLag(string tenantId, TimeSpan lag) =>
        ArchiveLag.Record(Math.Max(0, lag.TotalSeconds), TenantTag.For(tenantId));

    internal static void RecordStreamLag(string partition, TimeSpan lag) =>
        StreamLag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("partition", partition));

    internal static void RecordDeadLetters(string tenantId, string stage, int count) =>
        DeadLetters.Add(count, TenantTag.For(tenantId), new KeyValuePair<string, object?>("stage", stage));

    internal static void RecordRemovedByDelete(string tenantId, string stage, int count) =>
        RemovedByDelete.Add(count, TenantTag.For(tenantId), new KeyValuePair<string, object?>("stage", stage));

    internal static void RecordReplayed(string tenantId, int count) =>
        Replayed.Add(count, TenantTag.For(tenantId));
}
