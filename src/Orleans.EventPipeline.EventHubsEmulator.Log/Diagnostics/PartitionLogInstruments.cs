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
        "eventhubs_emulator.log.bytes_appended", "By", "Encoded bytes (headers and payloads) made durable.");

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "eventhubs_emulator.log.commit.duration", "s", "Time to write and fsync one group commit.");

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
