namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>The data directory is held by another silo, or cannot be created or opened.</summary>
/// <param name="setting">The setting that names the directory, e.g. <c>Pipeline:DataDirectory</c>.</param>
internal sealed class DataDirectoryUnavailableException(string setting, string directory, Exception reason)
    : IOException(Describe(setting, directory, reason), reason)
{
    // The lock another process holds, as .NET reports it: EWOULDBLOCK on Linux (11) and macOS (35), a sharing violation on
    // Windows. Any other failure (a read-only file system, say) is said in the system's words.
    private static string Describe(string setting, string directory, Exception reason) =>
        reason is IOException { HResult: 11 or 35 or unchecked((int)0x80070020) }
        ? $"{setting} '{directory}' is in use by another silo (it holds {DataDirectoryLock.FileName}). Stop that silo, or give this one a directory of its own, e.g. --{setting}={directory}-2."
        : $"{setting} '{directory}' cannot be used: {reason.Message}";
}
