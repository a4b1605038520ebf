using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A keyed batch's first attempt that reaches the hub after its marked retry: two activations of one ingest shard (a
/// silo paused until it was declared dead, whose send lands when it resumes, after the client's retry went through the
/// new activation). The two raw batches are written to the hub straight, in that order, as the two activations would
/// write them: same batch id and events, the retry marked <c>ep-uncertain-since-ms</c>, the first attempt not.
/// </summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed class FirstAttemptAfterRetryTests(ProcessingPipelineFixture pipeline)
{
    private const int Events = 20;

    [Fact]
    public async Task UnmarkedFirstAttemptAfterItsMarkedRetry_EachEventArchivedOnce()
    {
        const string tenant = "late-first";
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        var started = DateTimeOffset.UtcNow;
        var inverted = Guid.NewGuid();
        // The usual order beside it: the first attempt, then its marked retry, which the index already drops.
        var usual = Guid.NewGuid();

        await using (var producer = new EventHubProducerClient(pipeline.Silo.EventHubsConnectionString))
        {
            var options = new SendEventOptions { PartitionKey = tenant };
            await producer.SendAsync([Raw(tenant, inverted, started, marked: true)], options);
            await producer.SendAsync([Raw(tenant, inverted, started, marked: false)], options);
            await producer.SendAsync([Raw(tenant, usual, started, marked: false)], options);
            await producer.SendAsync([Raw(tenant, usual, started, marked: true)], options);
        }

        // A batch after them: once it is archived, the processor has handled every batch before it on the stream.
        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("""{"message":"after"}"""), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var after = $"{answer.RootElement.GetProperty("batchId").GetString()}:0";
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, events => events.Any(e => e.EventId == after), TimeSpan.FromSeconds(60));

        var ids = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
        foreach (var batch in (Guid[])[inverted, usual])
        {
            for (var i = 0; i < Events; i++)
            {
                var id = RawEventBatch.FormatEventId(batch, i);
                Assert.True(ids.Count(other => other == id) == 1, $"{id} archived {ids.Count(other => other == id)} times, not once");
            }
        }

        Assert.Equal(2 * Events + 1, ids.Count);
        Assert.Contains($"of keyed batch {inverted} unmarked after a retry of them", pipeline.Silo.Output, StringComparison.Ordinal);
    }

    private static EventData Raw(string tenant, Guid batchId, DateTimeOffset started, bool marked) =>
        RawKeyedBatch.Create(tenant, batchId, started, Events, marked);
}
