using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventHubs.Producer;
using Orleans.EventPipeline.Processing.Deduplication;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A keyed batch's marked retry is archived, the silo restarts (its raw stream's checkpoint past the retry, so the new
/// processor activation never sees it), and only then does the unmarked first attempt land: the paused silo of
/// <see cref="FirstAttemptAfterRetryTests"/> resuming after the processor moved or restarted. The new activation must
/// know the retry from what the old one persisted, or it archives every event a second time.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class FirstAttemptAfterRestartTests : IDisposable
{
    private const string Tenant = "late-after-restart";
    private const int Events = 20;
    private readonly TempDirectory _data = new();

    private string ArchiveDirectory => Path.Combine(_data.Path, "archive");

    [Fact]
    public async Task UnmarkedFirstAttemptAfterItsRetryAndARestart_EachEventArchivedOnce()
    {
        var started = DateTimeOffset.UtcNow;
        var batchId = Guid.NewGuid();
        var options = new SendEventOptions { PartitionKey = Tenant };
        var silo = await ProcessingSilo.StartAsync(_data.Path);
        try
        {
            string key;
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                key = await api.CreateTenantAsync(Tenant);
                await using (var producer = new EventHubProducerClient(silo.EventHubsConnectionString))
                {
                    await producer.SendAsync([RawKeyedBatch.Create(Tenant, batchId, started, Events, marked: true)], options);
                }

                // A batch behind the retry: the checkpoint the stop writes is at it, so the restarted silo starts after the
                // retry (a checkpoint at the retry itself would replay it, and the replay would tell the new activation).
                var between = await PostAsync(api, key, "between");
                await ArchiveFiles.WaitForAsync(ArchiveDirectory, Tenant, events => events.Any(e => e.EventId == between), TimeSpan.FromSeconds(60));
                // The retry's index entry persisted before the stop (the record of the retry is written with it, just before).
                await Poll.UntilAsync(() => KeyedIndexObjects().Count > 0, TimeSpan.FromSeconds(30), static () => "the processor persisted the retry's index entry");
            }

            // A graceful stop checkpoints the raw stream past the archived retry: the restarted silo does not replay it.
            Assert.Equal(0, await silo.TerminateAsync(TimeSpan.FromSeconds(60)));
            await silo.DisposeAsync();
            silo = await ProcessingSilo.StartAsync(_data.Path);

            await using (var producer = new EventHubProducerClient(silo.EventHubsConnectionString))
            {
                await producer.SendAsync([RawKeyedBatch.Create(Tenant, batchId, started, Events, marked: false)], options);
            }

            using var restarted = new PipelineApi(silo.BaseAddress);
            var after = await PostAsync(restarted, key, "after");
            var objects = await ArchiveFiles.WaitForAsync(ArchiveDirectory, Tenant, events => events.Any(e => e.EventId == after), TimeSpan.FromSeconds(60));

            var ids = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
            for (var i = 0; i < Events; i++)
            {
                var id = RawEventBatch.FormatEventId(batchId, i);
                Assert.True(ids.Count(other => other == id) == 1, $"{id} archived {ids.Count(other => other == id)} times, not once");
            }

            Assert.Equal(Events + 2, ids.Count);
            Assert.Contains("restored 1 marked retries", silo.Output, StringComparison.Ordinal);
            Assert.Contains($"of keyed batch {batchId} unmarked after a retry of them", silo.Output, StringComparison.Ordinal);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    /// <summary>Posts one plain event and returns its id.</summary>
    private static async Task<string> PostAsync(PipelineApi api, string key, string label)
    {
        using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes($$"""{"message":"{{label}}"}"""), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return $"{answer.RootElement.GetProperty("batchId").GetString()}:0";
    }

    private List<string> KeyedIndexObjects()
    {
        var folder = Path.Combine(ArchiveDirectory, KeyedBatchIndex.Root, Tenant);
        return Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.txt", SearchOption.AllDirectories)] : [];
    }
}
