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
}
