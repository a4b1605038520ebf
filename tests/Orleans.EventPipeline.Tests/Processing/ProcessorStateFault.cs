using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A fault in the silo's real SQLite grain store (local mode, <c>{data}/grains.db</c>): while on, triggers refuse
/// every write of a processor's state (<see cref="SetAsync"/>), or every write but the one before an archive object
/// (<see cref="RefuseRecordsAsync"/>), so its archive objects get written and never recorded.
/// </summary>
internal static class ProcessorStateFault
{
    /// <summary>The text of the refusal, which the processor logs with the failed write.</summary>
    public const string Refusal = "injected: processor state refused";

    /// <summary>Refuses every processor state write while <paramref name="refuse"/>; false lifts either fault.</summary>
    public static Task SetAsync(string dataDirectory, bool refuse) =>
        ExecuteAsync(dataDirectory, refuse ? Triggers("1") : "DROP TRIGGER refuse_processor_insert; DROP TRIGGER refuse_processor_update;");

    /// <summary>
    /// Refuses every processor state write whose <see cref="ProcessorState.WritingThrough"/> is not above its
    /// <see cref="ProcessorState.ArchivedThrough"/> (also one that lacks either): the write before an archive object
    /// passes, so the object is written, and its record is refused.
    /// </summary>
    public static Task RefuseRecordsAsync(string dataDirectory) =>
        ExecuteAsync(dataDirectory, Triggers(
            $"NOT coalesce(json_extract(CAST(NEW.payload AS TEXT), '$.{nameof(ProcessorState.WritingThrough)}') > json_extract(CAST(NEW.payload AS TEXT), '$.{nameof(ProcessorState.ArchivedThrough)}'), 0)"));

    private static string Triggers(string condition) => $"""
        CREATE TRIGGER refuse_processor_insert BEFORE INSERT ON grain_state WHEN NEW.state_name = 'processor' AND {condition}
        BEGIN SELECT RAISE(ABORT, '{Refusal}'); END;
        CREATE TRIGGER refuse_processor_update BEFORE UPDATE ON grain_state WHEN NEW.state_name = 'processor' AND {condition}
        BEGIN SELECT RAISE(ABORT, '{Refusal}'); END;
        """;

    private static async Task ExecuteAsync(string dataDirectory, string sql)
    {
        await using var connection = SiloGrainStore.Open(dataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many processors have a stored state.</summary>
    public static long StoredStates(string dataDirectory)
    {
        using var connection = SiloGrainStore.Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM grain_state WHERE state_name = 'processor';";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The highest <c>ArchivedThrough</c> among the stored processor states; -1 when none is stored.</summary>
    public static long ArchivedThrough(string dataDirectory) => Highest(dataDirectory, nameof(ProcessorState.ArchivedThrough));

    /// <summary>The highest value of the <see cref="ProcessorState"/> property <paramref name="property"/> among the stored states; -1 when none is stored.</summary>
    public static long Highest(string dataDirectory, string property)
    {
        using var connection = SiloGrainStore.Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM grain_state WHERE state_name = 'processor';";
        using var reader = command.ExecuteReader();
        var highest = -1L;
        while (reader.Read())
        {
            // The grain store's default serializer writes the state as JSON.
            using var json = JsonDocument.Parse((byte[])reader[0]);
            highest = Math.Max(highest, json.RootElement.GetProperty(property).GetInt64());
        }

        return highest;
    }
}
