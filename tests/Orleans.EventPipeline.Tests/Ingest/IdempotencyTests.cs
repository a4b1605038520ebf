using System.Net;
using System.Text;
using Orleans.EventPipeline.Streaming.EventHubs;
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

    /// <summary>
    /// A key's only attempt refused before anything was written (403 disabled, 429 over the rate) leaves no round behind:
    /// another body under the key is stored (it was refused 422 "already used … within the window" for 14 days), and a
    /// retry goes out as a plain first attempt, not marked as possibly stored (which cost the processor a lookup).
    /// </summary>
    [Fact]
    public async Task Post_KeyWhoseOnlyAttemptWasRefused_TakesAnotherBodyAndItsRetryIsUnmarked()
    {
        const string Tenant = "idem-refused";
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path);
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 1.0 } });

        using (var disabled = await api.PutTenantAsync(Tenant, new { displayName = Tenant, enabled = false, limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 1.0 } }))
        {
            Assert.True(disabled.IsSuccessStatusCode, await disabled.Content.ReadAsStringAsync());
        }

        using (var refused = await api.PostAsync(apiKey, Batch, "application/x-ndjson", idempotencyKey: "refused-1"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var enabled = await api.PutTenantAsync(Tenant, new { displayName = Tenant, enabled = true, limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 1.0 } }))
        {
            Assert.True(enabled.IsSuccessStatusCode, await enabled.Content.ReadAsStringAsync());
        }

        // Three events through a bucket of one leave it in debt: the keyed attempt right after is refused 429.
        using (var debt = await api.PostAsync(apiKey, Batch, "application/x-ndjson"))
        {
            Assert.Equal(HttpStatusCode.OK, debt.StatusCode);
        }

        using (var limited = await api.PostAsync(apiKey, Batch, "application/x-ndjson", idempotencyKey: "limited-1"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        using (var raised = await api.PutTenantAsync(Tenant, new { displayName = Tenant, enabled = true }))
        {
            Assert.True(raised.IsSuccessStatusCode, await raised.Content.ReadAsStringAsync());
        }

        var otherBody = await StoredAsync(api, apiKey, Encoding.UTF8.GetBytes("{\"n\":9}"), "refused-1");
        var retried = await StoredAsync(api, apiKey, Batch, "limited-1");

        var marked = new Dictionary<Guid, bool>();
        await StreamReadback.ForEachMessageAsync(silo.EventHubsConnectionString, message =>
        {
            if (message.Properties.TryGetValue(StreamMessageFormat.BatchProperty, out var batch))
            {
                marked[Guid.ParseExact(batch.ToString()!, "N")] = message.Properties.ContainsKey(StreamMessageFormat.UncertainSinceProperty);
            }
        });

        Assert.False(marked[Guid.Parse(otherBody)], "the other body under a refused key was sent marked as a retry");
        Assert.False(marked[Guid.Parse(retried)], "the retry of a key whose only attempt was refused 429 was sent marked as possibly stored");
    }

    /// <summary>Posts until a 200 (a refusal while the new settings reach the shards is retried); returns the batch id.</summary>
    private static async Task<string> StoredAsync(PipelineApi api, string apiKey, byte[] body, string idempotencyKey)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await api.PostAsync(apiKey, body, "application/x-ndjson", idempotencyKey: idempotencyKey);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (await ContentTypeIngestTests.ReadJsonAsync(response)).GetProperty("batchId").GetString()!;
            }

            if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden) || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"POST under {idempotencyKey} answered {(int)response.StatusCode}: {text}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
