using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class IdempotencyTests
{
    private static readonly byte[] Batch = Encoding.UTF8.GetBytes("{\"n\":1}\n{\"n\":2}\n{\"n\":3}");

    [Fact]
    public async Task Post_SameIdempotencyKey_AlsoAfterSiloRestart_StoresOnceAndAnswersTheSame()
    {
        using var data = new TempDirectory();
        string apiKey;
        string firstBatchId;
        await using (var first = SiloProcess.Start(data.Path))
        {
            await first.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            using var api = new PipelineApi(first.BaseAddress);
            apiKey = await api.CreateTenantAsync("idem");

            using var original = await api.PostAsync(apiKey, Batch, "application/x-ndjson", idempotencyKey: "batch-0001");
            using var retry = await api.PostAsync(apiKey, Batch, "application/x-ndjson", idempotencyKey: "batch-0001");
            var originalBody = await ContentTypeIngestTests.ReadJsonAsync(original);
            var retryBody = await ContentTypeIngestTests.ReadJsonAsync(retry);
            firstBatchId = originalBody.GetProperty("batchId").GetString()!;

            Assert.Equal(HttpStatusCode.OK, original.StatusCode);
            Assert.False(originalBody.GetProperty("replayed").GetBoolean());
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.True(retryBody.GetProperty("replayed").GetBoolean());
            Assert.Equal(firstBatchId, retryBody.GetProperty("batchId").GetString());
            Assert.Equal(3, retryBody.GetProperty("accepted").GetInt32());
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
        }

        await using var second = SiloProcess.Start(data.Path);
        await second.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var again = new PipelineApi(second.BaseAddress);
        using var afterRestart = await again.PostAsync(apiKey, Batch, "application/x-ndjson", idempotencyKey: "batch-0001");
        using var otherKey = await again.PostAsync(apiKey, Batch, "application/x-ndjson", idempotencyKey: "batch-0002");
        // The same key with other events: their ids would be batch-0001's, so they are refused, not dropped as repeats.
        using var otherBody = await again.PostAsync(apiKey, Encoding.UTF8.GetBytes("{\"n\":9}"), "application/x-ndjson", idempotencyKey: "batch-0001");
        var otherBodyProblem = await ContentTypeIngestTests.ReadJsonAsync(otherBody);
        var afterRestartBody = await ContentTypeIngestTests.ReadJsonAsync(afterRestart);
        var (events, _) = await StreamReadback.ReadAllAsync(second.EventHubsConnectionString);

        Assert.Equal(HttpStatusCode.OK, afterRestart.StatusCode);
        Assert.True(afterRestartBody.GetProperty("replayed").GetBoolean());
        Assert.Equal(firstBatchId, afterRestartBody.GetProperty("batchId").GetString());
        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherBody.StatusCode);
        Assert.Equal("idempotency_key_reused", otherBodyProblem.GetProperty("error").GetString());
        // Three events for batch-0001 (stored once, not three times) and three for batch-0002.
        Assert.Equal(6, events.Count);
        Assert.Equal(3, events.Count(e => e.BatchId == firstBatchId));
    }
}
