namespace Orleans.EventPipeline.EventHubsEmulator.Log.Tests.Support;

/// <summary>A fresh directory under the system temp path, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "partition-log-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string[] SegmentFiles() => [.. Directory.GetFiles(Path, "*.log").Order(StringComparer.Ordinal)];

    public string LastSegmentFile() => SegmentFiles()[^1];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A test that failed may still hold a file open; the temp directory is cleaned by the OS later.
        }
    }
}
