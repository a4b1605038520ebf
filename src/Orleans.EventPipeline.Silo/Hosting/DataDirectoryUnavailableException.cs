namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>The data directory is held by another silo, or cannot be created or opened.</summary>
internal sealed class DataDirectoryUnavailableException(string directory, Exception reason)
    : IOException(Describe(directory, reason), reason)
{
    // An existing lock file that cannot be opened for writing, without a refusal of access, is one another process holds:
    // the system's code for that differs between platforms (EWOULDBLOCK here, a sharing violation on Windows).
    private static string Describe(string directory, Exception reason) =>
        reason is IOException and not DirectoryNotFoundException && File.Exists(Path.Combine(directory, DataDirectoryLock.FileName))
        ? $"Pipeline:DataDirectory '{directory}' is in use by another silo (it holds {DataDirectoryLock.FileName}). Stop that silo, or give this one a directory of its own, e.g. --Pipeline:DataDirectory=./.data-2."
        : $"Pipeline:DataDirectory '{directory}' cannot be used: {reason.Message}";
}
