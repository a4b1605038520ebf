using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Deduplication;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The crash window between an archive object's write and the processor's record of it, with a retry in the
/// object: a keyed batch whose first attempt was refused and whose round the grain store would not forget (a trigger
/// refuses the record's delete, so the retry is marked uncertain, as after any unknown outcome) is archived together
/// with a plain batch, the processor's state write that records the object fails (a trigger in the silo's SQLite
/// grain store), and the silo is killed. The replay rebuilds the object from the same batches and must keep the retry's events, though
/// the retry's own index entry was persisted with the object it rebuilds.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class KeyedRetryReplayTests : IDisposable
{
    private const string Tenant = "replay";
    private const string RetryKey = "retry-1";
    private const int EventsPerPost = 25;
    private readonly TempDirectory _data = new();

    private string ArchiveDirectory => Path.Combine(_data.Path, "archive");

    [Fact]
    public async Task KillAfterObjectWrittenBeforeItsRecord_RetryInTheObject_ArchivedOnce()
    {
        // An archive object is cut 10 s after its first batch, so the plain batch and the retry share one.
        const string SlowCut = "--Pipeline:Archive:MaxAge=00:00:10";
        var silo = await ProcessingSilo.StartAsync(_data.Path, SlowCut);
        string key;
        List<string> retried;
        try
        {
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                key = await api.CreateTenantAsync(Tenant, new { displayName = Tenant, limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 1.0 } });
                var retry = Body("retry");
                // 25 events through a bucket of one leave it 24 s in debt: the keyed attempt right after is refused.
                using (var debt = await api.PostAsync(key, Body("debt"), "application/x-ndjson"))
                {
                    Assert.Equal(HttpStatusCode.OK, debt.StatusCode);
                }

                await KeepIdempotencyRecordsAsync(_data.Path);
                using (var refused = await api.PostAsync(key, retry, "application/x-ndjson", idempotencyKey: RetryKey))
                {
                    // The attempt started and stored nothing, and its round stays on record: its retry goes out marked uncertain.
                    Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                }

                await Poll.UntilAsync(() => silo.Output.Contains(KeptRecord, StringComparison.Ordinal), TimeSpan.FromSeconds(30), static () => "the refused round's record kept by the trigger");

                using (var raised = await api.PutTenantAsync(Tenant, new { displayName = Tenant, enabled = true }))
                {
                    Assert.True(raised.IsSuccessStatusCode, await raised.Content.ReadAsStringAsync());
                }

                // The raised limit reaches the ingest shard; this probe is archived and recorded before the fault.
                var probe = await PostUntilStoredAsync(api, key, Body("probe"), idempotencyKey: null);
                var probed = await ArchiveFiles.WaitForAsync(ArchiveDirectory, Tenant, events => ContainsAll(events, probe), TimeSpan.FromSeconds(60));
                // The debt's object may be recorded already: wait for the record of the probe's own.
                Assert.True(ArchiveObjectName.TryParse(Assert.Single(probed, o => o.Events.Any(e => e.EventId == probe[0])).Name, out var probeObject));
                await Poll.UntilAsync(
                    () => ProcessorStateFault.ArchivedThrough(_data.Path) >= probeObject.LastSequence,
                    TimeSpan.FromSeconds(30),
                    () => $"the processor's state recording the probe's object through {probeObject.LastSequence}; it is at {ProcessorStateFault.ArchivedThrough(_data.Path)}");

                await ProcessorStateFault.RefuseRecordsAsync(_data.Path);
                var plain = await PostUntilStoredAsync(api, key, Body("plain"), idempotencyKey: null);
                retried = await PostUntilStoredAsync(api, key, retry, RetryKey);

                // Both in one object, the retry's index entry beside it, and the processor unable to record either.
                var objects = await ArchiveFiles.WaitForAsync(ArchiveDirectory, Tenant, events => ContainsAll(events, retried), TimeSpan.FromSeconds(60));
                var shared = Assert.Single(objects, o => o.Events.Any(e => e.EventId == retried[0]));
                Assert.True(plain.All(id => shared.Events.Any(e => e.EventId == id)), "the plain batch and the retry were archived in different objects: the test did not set up the window");
                await Poll.UntilAsync(() => KeyedIndexObjects().Count > 0, TimeSpan.FromSeconds(30), static () => "the retry's index entry persisted");
                await Poll.UntilAsync(() => silo.Output.Contains(ProcessorStateFault.Refusal, StringComparison.Ordinal), TimeSpan.FromSeconds(30), static () => "the processor's state write refused by the trigger");
                await silo.KillAsync();
            }

            await silo.DisposeAsync();
            await ProcessorStateFault.SetAsync(_data.Path, refuse: false);
            silo = await ProcessingSilo.StartAsync(_data.Path, SlowCut);
            using var restarted = new PipelineApi(silo.BaseAddress);
            // A batch after the replayed ones lets the rebuilt object reach past the old one's end and be written.
            var after = await PostUntilStoredAsync(restarted, key, Body("after"), idempotencyKey: null);
            var archived = await ArchiveFiles.WaitForAsync(ArchiveDirectory, Tenant, events => ContainsAll(events, after), TimeSpan.FromSeconds(60));
            var ids = archived.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();

            // The replay dropped the retry as a repeat of itself, and its rebuilt object replaced the one holding it.
            Assert.All(retried, id => Assert.Equal(1, ids.Count(other => other == id)));
            Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(5 * EventsPerPost, ids.Count);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    private const string KeptRecord = "injected: idempotency record kept";

    /// <summary>A trigger in the silo's SQLite grain store that refuses to delete an Idempotency-Key's record.</summary>
    private static async Task KeepIdempotencyRecordsAsync(string dataDirectory)
    {
        await using var connection = SiloGrainStore.Open(dataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TRIGGER keep_idempotency BEFORE DELETE ON grain_state WHEN OLD.state_name = 'idempotency'
            BEGIN SELECT RAISE(ABORT, '{KeptRecord}'); END;
            """;
        await command.ExecuteNonQueryAsync();
    }

    private static byte[] Body(string label) => Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, EventsPerPost)
        .Select(i => $$"""{"message":"{{label}} event {{i}}","n":{{i}}}""")));

    private static bool ContainsAll(IReadOnlyList<Events.NormalizedEvent> events, IReadOnlyList<string> ids)
    {
        var archived = events.Select(static e => e.EventId).ToHashSet(StringComparer.Ordinal);
        return ids.All(archived.Contains);
    }

    /// <summary>Posts until a 200 (a refusal while the raised limit travels is retried) and returns the stored event ids.</summary>
    private static async Task<List<string>> PostUntilStoredAsync(PipelineApi api, string key, byte[] body, string? idempotencyKey)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await api.PostAsync(key, body, "application/x-ndjson", idempotencyKey: idempotencyKey);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(text);
                var batch = json.RootElement.GetProperty("batchId").GetString();
                return [.. Enumerable.Range(0, EventsPerPost).Select(i => $"{batch}:{i}")];
            }

            if (response.StatusCode != HttpStatusCode.TooManyRequests || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"POST answered {(int)response.StatusCode}: {text}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private List<string> KeyedIndexObjects()
    {
        var folder = Path.Combine(ArchiveDirectory, KeyedBatchIndex.Root, Tenant);
        return Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.txt", SearchOption.AllDirectories)] : [];
    }
}
