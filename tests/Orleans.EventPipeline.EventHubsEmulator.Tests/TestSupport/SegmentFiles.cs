namespace Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

/// <summary>Finds the partition log's segment files ("{base seq:D20}-{base offset:D20}.log") under a data folder.</summary>
internal static class SegmentFiles
{
    public static string Last(string dataDirectory, string partitionId) =>
        Directory.GetFiles(Path.Combine(dataDirectory, TestEmulator.Hub, partitionId), "*.log").Order(StringComparer.Ordinal).Last();
}
