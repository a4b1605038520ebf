using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Persistence.Sqlite;

public sealed partial class SqliteGrainStorage
{
    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite grain storage '{Provider}' ready at {DatabasePath}")]
    private static partial void LogInitialized(ILogger logger, string provider, string databasePath);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite grain storage '{Provider}' upgraded its file: {Rows} states '{StateName}' written before states could be forgotten are forgotten after {ForgetAfter:u}")]
    private static partial void LogUpgradeForgets(ILogger logger, string provider, int rows, string stateName, DateTimeOffset forgetAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite grain storage '{Provider}' refused a stale write of '{StateName}' for {GrainId} (ETag {ETag})")]
    private static partial void LogETagConflict(ILogger logger, string provider, string stateName, GrainId grainId, string? eTag);
}
