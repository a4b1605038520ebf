using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

/// <summary>The partition log's segment files in a test directory, oldest first.</summary>
internal static class SegmentFileListing
{
    public static string[] SegmentFiles(this TempDirectory directory) =>
        [.. Directory.GetFiles(directory.Path, "*.log").Order(StringComparer.Ordinal)];

    public static string LastSegmentFile(this TempDirectory directory) => directory.SegmentFiles()[^1];
}
