using Orleans.Runtime;

namespace Orleans.EventPipeline.Persistence.Sqlite;

/// <summary>Stops the silo at start when a SQLite storage provider is misconfigured.</summary>
internal sealed class SqliteGrainStorageOptionsValidator(SqliteGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            throw new OrleansConfigurationException(
                $"SQLite grain storage '{name}' has no DatabasePath: set it to the file the grain state is kept in, e.g. './.data/grains.db'.");
        }

        if (options.BusyTimeoutSeconds is < 1 or > 600)
        {
            throw new OrleansConfigurationException(
                $"SQLite grain storage '{name}' has BusyTimeoutSeconds={options.BusyTimeoutSeconds}: use a value between 1 and 600 seconds.");
        }
    }
}
