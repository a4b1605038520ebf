using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// A batch of a tenant's data generation that a delete with <c>data=remove</c> took, met by a processor activated after
/// the delete, the tenant's creation again and a restart of the silo: it reads the removed generations from the tenant
/// grain (kept by the tombstone and the tenant created again) and drops the batch. The batch is written by another
/// Event Hubs client, as the ingest shard wrote it before the delete (stamped with the old generation), so that it
/// reaches the processor only after the delete, whatever the processors' lag; the same for a dead letter of that
/// generation, met by the dead-letter grain.
/// </summary>
public sealed class TenantDeleteLateBatchTests : IDisposable
{
    private const string Tenant = "late-batch";
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task BatchOfARemovedGeneration_MetByAProcessorActivatedAfterTheDelete_IsDropped()
    {
        Guid removed;
        string newKey;
        await using (var first = await ProcessingSilo.StartAsync(_data.Path))
        {
            using var api = new PipelineApi(first.BaseAddress);
            var oldKey = await api.CreateTenantAsync(Tenant);
            await PostAsync(api, oldKey, "before the delete");
            await using (var client = await SiloClient.ConnectAsync(first))
            {
                removed = (await client.Client.GetGrain<ITenantGrain>(Tenant).GetProfileAsync()).DataGeneration
                    ?? throw new InvalidOperationException("The tenant has no data generation.");
            }

            using var deleted = await api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/{Tenant}?data=remove");
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            newKey = await api.CreateTenantAsync(Tenant);
            // Stopped as an operator does: every activation goes, and the next silo's processor starts from the stored state.
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
        }

        await using var second = await ProcessingSilo.StartAsync(_data.Path);
        using var again = new PipelineApi(second.BaseAddress);
        var late = Guid.NewGuid().ToString("N");
        await using (var producer = new EventHubProducerClient(second.EventHubsConnectionString))
        {
            await producer.SendAsync([OldGenerationBatch(late, removed)], new SendEventOptions { PartitionKey = Tenant });
            // And a dead letter of the old generation, as the ingest shard sent it before the delete.
            var letter = new DeadLetterBatch(Tenant, Guid.NewGuid(), DateTimeOffset.UtcNow, "ingest", [new DeadLetter(1, "the line is not valid JSON", Encoding.UTF8.GetBytes("old"))])
            {
                DataGeneration = removed,
            };
            await producer.SendAsync([DeadLetterCodec.ToEventData(letter, PipelineStreams.DeadLetter)], new SendEventOptions { PartitionKey = Tenant });
        }

        // Written after the late batch and letter, on the same stream keys and partition: handled after them. Its second
        // line is the new tenant's own dead letter.
        var newBatch = await PostAsync(again, newKey, "after the create", "not json\n");
        var objects = await ArchiveFiles.WaitForAsync(
            Path.Combine(_data.Path, "archive"), Tenant, events => events.Any(e => e.EventId == newBatch + ":0"), TimeSpan.FromSeconds(60));
        var ids = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
        var letters = await AdminCalls.WaitForAsync(
            second.BaseAddress, $"/admin/v1/tenants/{Tenant}/deadletters", static json => json.GetProperty("total").GetInt64() >= 1, TimeSpan.FromSeconds(60));

        Assert.DoesNotContain(late + ":0", ids);
        Assert.Equal(new[] { newBatch + ":0" }, ids);
        Assert.Contains("drops raw sequence", second.Output, StringComparison.Ordinal);
        Assert.Equal(1, letters.GetProperty("total").GetInt64());
        var kept = Assert.Single(letters.GetProperty("recent").EnumerateArray());
        Assert.Equal(Guid.ParseExact(newBatch, "N"), Guid.Parse(kept.GetProperty("batchId").GetString()!));
    }

    public void Dispose() => _data.Dispose();

    /// <summary>Posts one JSON event and <paramref name="more"/> lines; returns the batch id.</summary>
    private static async Task<string> PostAsync(PipelineApi api, string key, string message, string more = "")
    {
        using var posted = await api.PostAsync(key, Encoding.UTF8.GetBytes($$"""{"message":"{{message}}"}""" + "\n" + more), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        using var answer = JsonDocument.Parse(await posted.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("batchId").GetString()!;
    }

    /// <summary>A raw batch of one event as the tenant's ingest shard wrote it under <paramref name="generation"/>.</summary>
    private static Azure.Messaging.EventHubs.EventData OldGenerationBatch(string batchId, Guid generation)
    {
        var payload = Encoding.UTF8.GetBytes("""{"message":"acknowledged before the delete"}""");
        var body = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(body, payload.Length);
        payload.CopyTo(body, 4);
        var message = ForgedMessages.Raw(Tenant, body, 1);
        message.Properties["ep-batch"] = batchId;
        message.Properties["ep-data-generation"] = generation.ToString("N");
        return message;
    }
}
