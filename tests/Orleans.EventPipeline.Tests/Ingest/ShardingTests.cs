using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class ShardingTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    [Fact]
    public async Task Post_TenantWithFourShards_BatchesSpreadOverItsStreamKeys()
    {
        var key = await pipeline.Api.CreateTenantAsync("sharded", new { displayName = "sharded", enabled = true, shardCount = 4 });

        for (var i = 0; i < 8; i++)
        {
            using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes($"{{\"batch\":{i}}}"), "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var (events, _) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);
        var mine = events.Where(static e => e.Tenant == "sharded").ToList();

        Assert.Equal(8, mine.Count);
        Assert.Equal(["sharded", "sharded#1", "sharded#2", "sharded#3"], mine.Select(static e => e.PartitionKey).Distinct().Order());
    }

    [Fact]
    public async Task Post_SameIdempotencyKeyConcurrently_TenantWithFourShards_StoredOnceOnOneShard()
    {
        const int senders = 8;
        var key = await pipeline.Api.CreateTenantAsync("sharded-keyed", new { displayName = "sharded-keyed", enabled = true, shardCount = 4 });
        var body = Encoding.UTF8.GetBytes("{\"n\":1}\n{\"n\":2}\n{\"n\":3}");

        var answers = await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
        {
            using var response = await pipeline.Api.PostAsync(key, body, "application/x-ndjson", idempotencyKey: "same-key-0001");
            return (response.StatusCode, Json: await ContentTypeIngestTests.ReadJsonAsync(response));
        }));
        var (events, _) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);
        var mine = events.Where(static e => e.Tenant == "sharded-keyed").ToList();

        Assert.All(answers, static a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var batchId = Assert.Single(answers.Select(static a => a.Json.GetProperty("batchId").GetString()).Distinct());
        Assert.Equal(senders - 1, answers.Count(static a => a.Json.GetProperty("replayed").GetBoolean()));
        Assert.Equal([0, 1, 2], mine.Select(static e => e.Index).Order());
        Assert.All(mine, e => Assert.Equal(batchId, e.BatchId));
        Assert.Single(mine.Select(static e => e.PartitionKey).Distinct());
    }
}
