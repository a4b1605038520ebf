using System.Diagnostics.Metrics;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Metrics of the processing grains, on the meter <see cref="MeterName"/>, next to the stages' own
/// (<c>Orleans.EventPipeline.Processing</c>). Tagged with the tenant: bounded by the number of tenants.
/// </summary>
public static class ProcessingGrainInstruments
{
    public const string MeterName = "Orleans.EventPipeline.Grains.Processing";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> ArchiveLag = Meter.CreateHistogram<double>(
        "eventpipeline.archive.lag", "s", "From the gateway's acknowledgement of an object's oldest event to the object being durable in the archive.");

    private static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>(
        "eventpipeline.deadletters", "{event}", "Dead letters counted per tenant and stage (ingest, normalize, enrich), each stream position once.");

    private static readonly Counter<long> Replayed = Meter.CreateCounter<long>(
        "eventpipeline.deadletters.replayed", "{event}", "Dead letters that passed a replay and were archived.");

    internal static void RecordArchiveLag(string tenantId, TimeSpan lag) =>
        ArchiveLag.Record(Math.Max(0, lag.TotalSeconds), new KeyValuePair<string, object?>("tenant", tenantId));

    internal static void RecordDeadLetters(string tenantId, string stage, int count) =>
        DeadLetters.Add(count, new KeyValuePair<string, object?>("tenant", tenantId), new KeyValuePair<string, object?>("stage", stage));

    internal static void RecordReplayed(string tenantId, int count) =>
        Replayed.Add(count, new KeyValuePair<string, object?>("tenant", tenantId));
}
