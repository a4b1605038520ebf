using Orleans.EventPipeline.IO;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Holds a directory of local mode for one silo (the data directory, and the archive's): a lock
/// file opened exclusively before the emulator, the grain database and the archive open what lies under it, and released
/// when the host is disposed or the process ends (kill -9 included: the system drops the lock with the process).
/// </summary>
/// <remarks>
/// Two silos on one directory would append to the same partition logs and grain database. The emulator's partition
/// logs already refused a second opener, but from inside its hosted service, which ended the process with an
/// unhandled exception (SIGABRT, exit 134) and a stack trace, after the second silo had started. Two silos of their own
/// data directories on one archive directory would each write their hubs' positions under the same object names,
/// replacing each other's objects, and nothing refused that; nor a directory inside another silo's, where a tenant
/// deleted with its data on one silo deletes the folder of its name, which may be the other's. Taken here, the start
/// ends with <see cref="StartupFailure.DataDirectoryExitCode"/> and one line naming the directory.
/// It is taken when the host builds its hosted services, the first of them, and not in a start: Orleans starts the silo
/// while those are built, before the first hosted service's start.
/// </remarks>
internal sealed class DataDirectoryLock : IHostedService, IDisposable
{
    /// <summary>The lock file's name in the data directory.</summary>
    public const string FileName = "silo.lock";

    private readonly FileStream _lock;

    private DataDirectoryLock(FileStream held) => _lock = held;

    /// <summary>
    /// Takes the directory <paramref name="setting"/> names (a full path), creating it when missing, or throws
    /// <see cref="DataDirectoryUnavailableException"/>: also when a directory above it, other than
    /// <paramref name="ownParent"/> (this silo's data directory, which holds its archive by default), has the lock file
    /// of a silo, whether it runs or not.
    /// </summary>
    public static DataDirectoryLock Take(string directory, string setting, string? ownParent = null)
    {
        directory = Path.TrimEndingDirectorySeparator(directory);
        ownParent = ownParent is null ? null : Path.TrimEndingDirectorySeparator(ownParent);
        for (var parent = Path.GetDirectoryName(directory); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (parent != ownParent && File.Exists(Path.Combine(parent, FileName)))
            {
                throw DataDirectoryUnavailableException.Inside(setting, directory, parent);
            }
        }

        try
        {
            Directory.CreateDirectory(directory);
            return new DataDirectoryLock(LockFiles.Take(Path.Combine(directory, FileName)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw DataDirectoryUnavailableException.Refused(setting, directory, exception);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _lock.Dispose();
}
