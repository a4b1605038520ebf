using Orleans.EventPipeline.IO;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>A directory of local mode is held by another silo, lies inside another silo's, or cannot be created or opened.</summary>
internal sealed class DataDirectoryUnavailableException : IOException
{
    private DataDirectoryUnavailableException(string message, Exception? reason)
        : base(message, reason)
    {
    }

    /// <summary>The directory <paramref name="setting"/> names could not be taken: another silo holds it, or the system refused.</summary>
    public static DataDirectoryUnavailableException Refused(string setting, string directory, Exception reason) => new(
        // Any other failure (a read-only file system, say) is said in the system's words.
        reason is IOException held && LockFiles.HeldByAnother(held)
            ? $"{setting} '{directory}' is in use by another silo (it holds {DataDirectoryLock.FileName}). Stop that silo, or give this one a directory of its own, e.g. --{setting}={directory}-2."
            : $"{setting} '{directory}' cannot be used: {reason.Message}",
        reason);

    /// <summary>The directory lies inside <paramref name="silos"/>, a directory a silo took (it has the lock file).</summary>
    public static DataDirectoryUnavailableException Inside(string setting, string directory, string silos) => new(
        $"{setting} '{directory}' lies inside '{silos}', a directory a silo took (it has {DataDirectoryLock.FileName}): that silo would read or delete what this one writes there. Give this one a directory outside it.",
        null);
}
