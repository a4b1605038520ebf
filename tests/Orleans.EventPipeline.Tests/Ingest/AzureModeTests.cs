using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Idempotency;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>
/// Azure mode for real: Azure Table storage (Azurite) for clustering, grain state and checkpoints,
/// and Event Hubs (the emulator, as a separate server the test can stop) for the stream.
/// </summary>
public sealed class AzureModeTests
{
    private const string Key = "YXp1cmUtbW9kZS10ZXN0LWtleS0wMTIzNDU2Nzg5";

    [Fact]
    public async Task Ingest_AzureMode_EventsLandAndTenantsSurviveRestart()
    {
        using var data = new TempDirectory();
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(data.Path, "azurite"));
        await using var eventHubs = await StartEventHubsAsync(Path.Combine(data.Path, "eventhubs"), port: 0);
        string apiKey;
        await using (var first = StartSilo(data.Path, azurite, eventHubs))
        {
            await first.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            using var api = new PipelineApi(first.BaseAddress);
            apiKey = await api.CreateTenantAsync("azure-tenant");
            using var response = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes("{\"cloud\":1}\n{\"cloud\":2}"), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
        }

        await using var second = StartSilo(data.Path, azurite, eventHubs);
        await second.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var again = new PipelineApi(second.BaseAddress);
        using var afterRestart = await again.PostAsync(apiKey, Encoding.UTF8.GetBytes("{\"cloud\":3}"), "application/x-ndjson");
        var (events, _) = await StreamReadback.ReadAllAsync(eventHubs.ConnectionString("events"));

        Assert.Equal(HttpStatusCode.OK, afterRestart.StatusCode);
        Assert.Equal(["{\"cloud\":1}", "{\"cloud\":2}", "{\"cloud\":3}"], events.Where(static e => e.Tenant == "azure-tenant").Select(static e => Encoding.UTF8.GetString(e.Bytes)).Order());
    }

    [Fact]
    public async Task Ingest_EventHubsDown_Answers503NeverOk_AndEveryAcknowledgedBatchIsStored()
    {
        using var data = new TempDirectory();
        var eventHubsData = Path.Combine(data.Path, "eventhubs");
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(data.Path, "azurite"));
        var port = FreeTcpPorts.Pick(1)[0];
        var eventHubs = await StartEventHubsAsync(eventHubsData, port);
        await using var silo = StartSilo(data.Path, azurite, eventHubs);
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync("durable");
        var acknowledged = new List<string>();

        acknowledged.Add(await PostAsync(api, apiKey, 0, HttpStatusCode.OK));
        // Cut into several messages, whose writes the ingest grain starts together: ACKed only when all are stored.
        var manyParts = await PostAsync(api, apiKey, 1, HttpStatusCode.OK, ManyPartsEvents);
        acknowledged.Add(manyParts);
        await eventHubs.DisposeAsync();
        for (var i = 2; i <= 3; i++)
        {
            await PostAsync(api, apiKey, i, HttpStatusCode.ServiceUnavailable);
        }

        // Every part's write fails while the hub is down: one 503 for the request, not a 500 from the failures together.
        await PostAsync(api, apiKey, 4, HttpStatusCode.ServiceUnavailable, ManyPartsEvents);

        await using var restarted = await StartEventHubsAsync(eventHubsData, port);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        HttpStatusCode status;
        do
        {
            using var response = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes("{\"after\":\"recovery\"}"), "application/x-ndjson");
            status = response.StatusCode;
            Assert.Contains(status, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable });
            if (status == HttpStatusCode.OK)
            {
                acknowledged.Add((await ContentTypeIngestTests.ReadJsonAsync(response)).GetProperty("batchId").GetString()!);
            }
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        var (events, _) = await StreamReadback.ReadAllAsync(restarted.ConnectionString("events"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(acknowledged, batch => Assert.Contains(events, e => e.BatchId == batch));
        Assert.Equal(Enumerable.Range(0, ManyPartsEvents), events.Where(e => e.BatchId == manyParts).Select(static e => e.Index).Order());
    }

    [Fact]
    public async Task IdempotencySweep_AzureTable_DeletesOnlyRecordsNotWrittenForTheLongestTheyMatter_AndAnActiveGrainWritesItsAfresh()
    {
        using var data = new TempDirectory();
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(data.Path, "azurite"));
        await using var eventHubs = await StartEventHubsAsync(Path.Combine(data.Path, "eventhubs"), port: 0);
        await using var silo = StartSilo(data.Path, azurite, eventHubs);
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync("swept");
        using var disable = await api.PutTenantAsync("swept", new { displayName = "swept", enabled = false });
        // Refused while disabled: the attempt's start is on record (Orleans' table entity) and its grain stays active.
        using var refused = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes("{\"k\":1}"), "application/x-ndjson", idempotencyKey: "kept-active");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(AzureTableIdempotencyRecordSweep.TableName);
        var sweep = new AzureTableIdempotencyRecordSweep(
            new TableServiceClient(azurite.ConnectionString), new PipelineOptions().ServiceId, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var rowsBefore = await RowKeysAsync(table);

        var now = await sweep.DeleteForgottenAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        var justBefore = await sweep.DeleteForgottenAsync(
            DateTimeOffset.UtcNow + IdempotencyRecord.LongestKept + AzureTableIdempotencyRecordSweep.Margin - TimeSpan.FromMinutes(5), CancellationToken.None);
        var later = await sweep.DeleteForgottenAsync(
            DateTimeOffset.UtcNow + IdempotencyRecord.LongestKept + AzureTableIdempotencyRecordSweep.Margin + TimeSpan.FromMinutes(1), CancellationToken.None);
        var rowsAfter = await RowKeysAsync(table);
        using var enable = await api.PutTenantAsync("swept", new { displayName = "swept", enabled = true });
        using var stored = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes("{\"k\":1}"), "application/x-ndjson", idempotencyKey: "kept-active");
        using var replayed = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes("{\"k\":1}"), "application/x-ndjson", idempotencyKey: "kept-active");
        var replayedBody = await ContentTypeIngestTests.ReadJsonAsync(replayed);
        var (events, _) = await StreamReadback.ReadAllAsync(eventHubs.ConnectionString("events"));

        var record = Assert.Single(rowsBefore, static row => row.RowKey == IdempotencyRecord.StateName);
        Assert.StartsWith($"{new PipelineOptions().ServiceId}_{AzureTableIdempotencyRecordSweep.GrainType}_swept_", record.PartitionKey, StringComparison.Ordinal);
        Assert.Equal(0, now);
        Assert.Equal(0, justBefore);
        Assert.Equal(1, later);
        // Only the key's record went: the tenant's own state and the pub-sub rows stay whatever their age.
        Assert.DoesNotContain(record, rowsAfter);
        Assert.Empty(rowsBefore.Where(row => row != record).Except(rowsAfter));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.True(replayedBody.GetProperty("replayed").GetBoolean());
        Assert.Single(events, static e => e.Tenant == "swept");
        Assert.Contains(record, await RowKeysAsync(table));
    }

    /// <summary>
    /// Orleans' table storage writes a grain's state under its id with '/', '\', '#' and '?' made '_': the keys below were
    /// one record (helper-124), so the second was answered with the first's batch and stored nothing, and the third, with
    /// another body, was refused as a key used twice. Each is its own key, and each is still answered once.
    /// </summary>
    [Fact]
    public async Task IdempotencyKeys_ThatDifferOnlyInCharactersTableKeysCannotHold_AreEachStoredOnce()
    {
        using var data = new TempDirectory();
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(data.Path, "azurite"));
        await using var eventHubs = await StartEventHubsAsync(Path.Combine(data.Path, "eventhubs"), port: 0);
        await using var silo = StartSilo(data.Path, azurite, eventHubs);
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(120));
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync("collide");
        string[] keys = ["host1/batch-7", "host1_batch-7", "host1#batch-7", "host1?batch-7", "host1\\batch-7", "host1%2Fbatch-7"];
        var heartbeat = Encoding.UTF8.GetBytes("{\"heartbeat\":\"ok\"}");

        var batchIds = new List<string>();
        foreach (var key in keys)
        {
            using var response = await api.PostAsync(apiKey, key == keys[2] ? Encoding.UTF8.GetBytes("{\"other\":1}") : heartbeat, "application/x-ndjson", idempotencyKey: key);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{key}: {(int)response.StatusCode} {body}");
            Assert.Contains("\"replayed\":false", body, StringComparison.Ordinal);
            batchIds.Add(JsonDocument.Parse(body).RootElement.GetProperty("batchId").GetString()!);
        }

        // A retry of an escaped key is still the same key: answered from its record, nothing stored.
        using var retry = await api.PostAsync(apiKey, heartbeat, "application/x-ndjson", idempotencyKey: keys[0]);
        var retryBody = await retry.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Contains("\"replayed\":true", retryBody, StringComparison.Ordinal);
        Assert.Equal(batchIds[0], JsonDocument.Parse(retryBody).RootElement.GetProperty("batchId").GetString());

        var (events, _) = await StreamReadback.ReadAllAsync(eventHubs.ConnectionString("events"));
        var stored = events.Where(static e => e.Tenant == "collide").ToList();
        Assert.Equal(keys.Length, stored.Count);
        Assert.Equal(keys.Length, batchIds.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>
    /// A gateway hosts no grains: its readiness must not hang on Table storage, or one storage problem takes every
    /// gateway out of the Service at once and clients get the ingress's bare 503 instead of the pipeline's own answer
    /// (helper-126). Its grain-storage check goes Degraded and /readyz stays 200.
    /// </summary>
    [Fact]
    public async Task Readiness_GatewayWhileTableStorageIsDown_StaysReadyWithStorageDegraded()
    {
        using var data = new TempDirectory();
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(data.Path, "azurite"));
        await using var eventHubs = await StartEventHubsAsync(Path.Combine(data.Path, "eventhubs"), port: 0);
        await using var gateway = SiloProcess.Start(
            Path.Combine(data.Path, "gateway"),
            "--Pipeline:Mode=Azure",
            "--Pipeline:Role=gateway",
            $"--Pipeline:Azure:StorageConnectionString={azurite.ConnectionString}",
            $"--Pipeline:Azure:EventHubsConnectionString={eventHubs.ConnectionString()}");
        await gateway.WaitForReadyAsync(TimeSpan.FromSeconds(120));
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);

        await azurite.Process.KillAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var readiness = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            var body = await readiness.Content.ReadAsStringAsync();
            var storage = JsonDocument.Parse(body).RootElement.GetProperty("checks").GetProperty("grain-storage").GetProperty("status").GetString();
            if (storage != "Healthy")
            {
                Assert.Equal("Degraded", storage);
                Assert.True(readiness.StatusCode == HttpStatusCode.OK, $"{(int)readiness.StatusCode} {body}");
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"grain storage still reported Healthy 60 s after Azurite was killed: {body}");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    private static async Task<List<(string PartitionKey, string RowKey)>> RowKeysAsync(TableClient table)
    {
        var rows = new List<(string PartitionKey, string RowKey)>();
        await foreach (var entity in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            rows.Add((entity.PartitionKey, entity.RowKey));
        }

        return rows;
    }

    // Events of ~700 bytes, two to a message of the silo's MaxMessageBytes below: four messages.
    private const int ManyPartsEvents = 8;

    private static async Task<string> PostAsync(PipelineApi api, string apiKey, int n, HttpStatusCode expected, int events = 1)
    {
        var lines = Enumerable.Range(0, events).Select(i => events == 1 ? $"{{\"n\":{n}}}" : $"{{\"n\":{n},\"i\":{i},\"pad\":\"{new string('p', 700)}\"}}");
        using var response = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes(string.Join('\n', lines)), "application/x-ndjson");
        var body = await ContentTypeIngestTests.ReadJsonAsync(response);
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.ServiceUnavailable)
        {
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Contains("durable", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
            return "";
        }

        return body.GetProperty("batchId").GetString()!;
    }

    private static SiloProcess StartSilo(string dataDirectory, AzuriteNode azurite, EventHubsEmulatorServer eventHubs) => SiloProcess.Start(
        Path.Combine(dataDirectory, "silo"),
        "--Pipeline:Mode=Azure",
        $"--Pipeline:Azure:StorageConnectionString={azurite.ConnectionString}",
        $"--Pipeline:Azure:EventHubsConnectionString={eventHubs.ConnectionString()}",
        "--Pipeline:Gateway:DurableWriteTimeout=00:00:20",
        "--Pipeline:Gateway:MaxEventBytes=1024",
        "--Pipeline:Ingest:MaxMessageBytes=2048");

    private static async Task<EventHubsEmulatorServer> StartEventHubsAsync(string dataDirectory, int port)
    {
        var options = new EmulatorOptions { Port = port, DataDirectory = dataDirectory };
        options.Hubs["events"] = new EventHubDefinition { PartitionCount = 2 };
        options.SharedAccessKeys["RootManageSharedAccessKey"] = Key;
        var server = new EventHubsEmulatorServer(options);
        await server.StartAsync();
        return server;
    }
}
