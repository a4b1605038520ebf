using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Diagnostics;

/// <summary>
/// Metrics of every partition log in the process, tagged with the partition directory's name
/// (one value per partition, so the tag stays bounded).
/// </summary>
internal static class PartitionLogInstruments
{
    public const string MeterName = "Orleans.EventPipeline.EventHubsEmulator.Log";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "eventhubs_emulator.log.commits", "{commit}", "Group commits: one write and one fsync each.");

    private static readonly Counter<long> RecordsAppended = Meter.CreateCounter<long>(
        "eventhubs_emulator.log.records_appended", "{record}", "Records made durable.");

    private static readonly Counter<long> BytesAppended = Meter.CreateCounter<long>(
        // Not "bytes_appended": exporters add the unit, and Prometheus showed eventhubs_emulator_log_bytes_appended_bytes_total.
        "eventhubs_emulator.log.appended", "By", "Encoded bytes (headers and payloads) made durable.");

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "eventhubs_emulator.log.commit.duration", "s", "Time to write and fsync one group commit.",
        // Seconds, from a tenth of a millisecond (a page-cache fsync) to 5 s (a stalled disk): the SDK's default
        // bounds are made for milliseconds and would put every commit in the first bucket.
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    private static readonly Counter<long> SegmentsDeleted = Meter.CreateCounter<long>(
        "eventhubs_emulator.log.segments_deleted", "{segment}", "Segments deleted by retention.");

    public static void RecordCommit(string partition, int records, int bytes, long startTimestamp)
    {
        var tags = new TagList { { "partition", partition } };
        Commits.Add(1, tags);
        RecordsAppended.Add(records, tags);
        BytesAppended.Add(bytes, tags);
        CommitDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }

    public static void RecordSegmentDeleted(string partition) =>
        SegmentsDeleted.Add(1, new TagList { { "partition", partition } });
}
