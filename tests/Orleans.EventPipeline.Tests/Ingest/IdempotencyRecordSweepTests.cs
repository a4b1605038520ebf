using System.Net;
using System.Text;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>
/// Idempotency-Key records leave grain storage once no request can need them (local mode's SQLite file, a real silo):
/// each at the end of its own tenant's window, and a grain still active on a record that went writes it afresh.
/// </summary>
public sealed class IdempotencyRecordSweepTests
{
    private const string NdJson = "application/x-ndjson";
    private static readonly byte[] Batch = Encoding.UTF8.GetBytes("{\"n\":1}\n{\"n\":2}\n{\"n\":3}");

    [Fact]
    public async Task Sweep_DeletesARecordAtTheEndOfItsTenantsWindow_KeepsLongerOnes_AndTheKeyThenStoresAgainUnderNewIds()
    {
        using var data = new TempDirectory();
        await using var silo = await SiloProcess.StartReadyAsync(data.Path, "--Pipeline:Ingest:IdempotencySweepInterval=00:00:01");
        using var api = new PipelineApi(silo.BaseAddress);
        var shortKey = await api.CreateTenantAsync("short-window", new { displayName = "short-window", enabled = true, idempotencyWindow = "00:01:00" });
        var longKey = await api.CreateTenantAsync("long-window");

        var sentAt = DateTimeOffset.UtcNow;
        using var first = await api.PostAsync(shortKey, Batch, NdJson, idempotencyKey: "key-1");
        using var longFirst = await api.PostAsync(longKey, Batch, NdJson, idempotencyKey: "key-1");
        using var replay = await api.PostAsync(shortKey, Batch, NdJson, idempotencyKey: "key-1");
        var firstBody = await ContentTypeIngestTests.ReadJsonAsync(first);
        var replayBody = await ContentTypeIngestTests.ReadJsonAsync(replay);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, longFirst.StatusCode);
        Assert.True(replayBody.GetProperty("replayed").GetBoolean());
        Assert.Equal(["long-window/key-1", "short-window/key-1"], IdempotencyRecords(data.Path));

        await Poll.UntilAsync(
            () => IdempotencyRecords(data.Path).Count == 1,
            TimeSpan.FromSeconds(150),
            () => $"records: {string.Join(", ", IdempotencyRecords(data.Path))}");
        var goneAfter = DateTimeOffset.UtcNow - sentAt;

        // Not before its window: the answer was remembered for the minute the tenant set.
        Assert.True(goneAfter >= TimeSpan.FromMinutes(1), $"deleted {goneAfter} after the request");
        Assert.Equal(["long-window/key-1"], IdempotencyRecords(data.Path));
        using var again = await api.PostAsync(shortKey, Batch, NdJson, idempotencyKey: "key-1");
        using var longAgain = await api.PostAsync(longKey, Batch, NdJson, idempotencyKey: "key-1");
        var againBody = await ContentTypeIngestTests.ReadJsonAsync(again);
        var longAgainBody = await ContentTypeIngestTests.ReadJsonAsync(longAgain);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(againBody.GetProperty("replayed").GetBoolean());
        // A new round of the key: ids of its own, so the processor cannot take its events for the first round's.
        Assert.NotEqual(firstBody.GetProperty("batchId").GetString(), againBody.GetProperty("batchId").GetString());
        Assert.True(longAgainBody.GetProperty("replayed").GetBoolean());
        Assert.Equal(["long-window/key-1", "short-window/key-1"], IdempotencyRecords(data.Path));
    }

    [Fact]
    public async Task Retry_AfterTheRecordWentUnderItsActiveGrain_IsStoredOnce_Not503()
    {
        using var data = new TempDirectory();
        await using var silo = await SiloProcess.StartReadyAsync(data.Path);
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync("paused");
        using var disable = await api.PutTenantAsync("paused", new { displayName = "paused", enabled = false });
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);

        // Refused while the tenant is disabled, and the store refuses to forget the round (a trigger): the attempt's
        // start stays on record and its grain stays active, as a round after a 503 does.
        Execute(data.Path, "CREATE TRIGGER keep_idempotency BEFORE DELETE ON grain_state WHEN OLD.state_name = 'idempotency' BEGIN SELECT RAISE(ABORT, 'injected: idempotency record kept'); END;");
        using var refused = await api.PostAsync(apiKey, Batch, NdJson, idempotencyKey: "retried");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(["paused/retried"], IdempotencyRecords(data.Path));
        Execute(data.Path, "DROP TRIGGER keep_idempotency;");
        // An attempt without an answer is kept twice the longest window: its retry must still be marked for the processor.
        Assert.InRange(
            DateTimeOffset.FromUnixTimeMilliseconds(Scalar(data.Path, "SELECT forget_after FROM grain_state WHERE state_name = 'idempotency';")) - DateTimeOffset.UtcNow,
            IdempotencyRecord.LongestKept - TimeSpan.FromMinutes(5),
            IdempotencyRecord.LongestKept);
        // What the sweep does to a record past its time, here to one whose grain is active.
        Execute(data.Path, "DELETE FROM grain_state WHERE state_name = 'idempotency';");
        Assert.Empty(IdempotencyRecords(data.Path));
        using var enable = await api.PutTenantAsync("paused", new { displayName = "paused", enabled = true });
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);

        using var stored = await api.PostAsync(apiKey, Batch, NdJson, idempotencyKey: "retried");
        using var replayed = await api.PostAsync(apiKey, Batch, NdJson, idempotencyKey: "retried");
        var storedBody = await ContentTypeIngestTests.ReadJsonAsync(stored);
        var replayedBody = await ContentTypeIngestTests.ReadJsonAsync(replayed);
        var (events, _) = await StreamReadback.ReadAllAsync(silo.EventHubsConnectionString);

        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.False(storedBody.GetProperty("replayed").GetBoolean());
        Assert.True(replayedBody.GetProperty("replayed").GetBoolean());
        Assert.Equal(["paused/retried"], IdempotencyRecords(data.Path));
        Assert.Equal(3, events.Count(e => e.Tenant == "paused"));
    }

    /// <summary>The "{tenant}/{key}" of every Idempotency-Key record in the silo's grain store, in order.</summary>
    private static List<string> IdempotencyRecords(string dataDirectory)
    {
        using var connection = SiloGrainStore.Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_id FROM grain_state WHERE state_name = 'idempotency' ORDER BY grain_id;";
        using var reader = command.ExecuteReader();
        var records = new List<string>();
        while (reader.Read())
        {
            records.Add(GrainId.Parse(reader.GetString(0)).Key.ToString()!);
        }

        return records;
    }

    private static long Scalar(string dataDirectory, string sql)
    {
        using var connection = SiloGrainStore.Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(string dataDirectory, string sql)
    {
        using var connection = SiloGrainStore.Open(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
