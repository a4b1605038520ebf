using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.EventPipeline.Grains.Processing;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A fault in the silo's real SQLite grain store (local mode, <c>{data}/grains.db</c>): while on, triggers refuse
/// every write of a processor's state, so its archive objects and dead letters get written but never recorded.
/// </summary>
internal static class ProcessorStateFault
{
    /// <summary>The text of the refusal, which the processor logs with the failed write.</summary>
    public const string Refusal = "injected: processor state refused";

    public static async Task SetAsync(string dataDirectory, bool refuse)
    {
        await using var connection = Open(dataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = refuse
            ? $"""
              CREATE TRIGGER refuse_processor_insert BEFORE INSERT ON grain_state WHEN NEW.state_name = 'processor'
              BEGIN SELECT RAISE(ABORT, '{Refusal}'); END;
              CREATE TRIGGER refuse_processor_update BEFORE UPDATE ON grain_state WHEN NEW.state_name = 'processor'
              BEGIN SELECT RAISE(ABORT, '{Refusal}'); END;
              """
            : "DROP TRIGGER refuse_processor_insert; DROP TRIGGER refuse_processor_update;";
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many processors have a stored state.</summary>
    public static long StoredStates(string dataDirectory)
    {
        using var connection = Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM grain_state WHERE state_name = 'processor';";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The highest <c>ArchivedThrough</c> among the stored processor states; -1 when none is stored.</summary>
    public static long ArchivedThrough(string dataDirectory)
    {
        using var connection = Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM grain_state WHERE state_name = 'processor';";
        using var reader = command.ExecuteReader();
        var through = -1L;
        while (reader.Read())
        {
            // The grain store's default serializer writes the state as JSON.
            using var json = JsonDocument.Parse((byte[])reader[0]);
            through = Math.Max(through, json.RootElement.GetProperty(nameof(ProcessorState.ArchivedThrough)).GetInt64());
        }

        return through;
    }

    private static SqliteConnection Open(string dataDirectory)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "grains.db")}");
        connection.Open();
        return connection;
    }
}
