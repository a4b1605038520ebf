using Microsoft.Data.Sqlite;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>A local-mode silo's SQLite grain store (<c>{data}/grains.db</c>), opened beside the running silo.</summary>
internal static class SiloGrainStore
{
    /// <summary>An open connection of its own (not pooled, so the file is let go when it is disposed).</summary>
    public static SqliteConnection Open(string dataDirectory)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "grains.db")};Pooling=False");
        connection.Open();
        return connection;
    }
}
