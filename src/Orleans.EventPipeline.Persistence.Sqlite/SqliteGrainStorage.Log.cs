using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Persistence.Sqlite;

public sealed partial class SqliteGrainStorage
{
    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite grain storage '{Provider}' ready at {DatabasePath}")]
    private static partial void LogInitialized(ILogger logger, string provider, string databasePath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite grain storage '{Provider}' refused a stale write of '{StateName}' for {GrainId} (ETag {ETag})")]
    private static partial void LogETagConflict(ILogger logger, string provider, string stateName, GrainId grainId, string? eTag);
}
