using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Deduplication;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A store refuses the record of a processor's archive object (the grain store its state, after taking the write that
/// announces the object, or the archive store the keyed index written before it) across two archive cuts, then the silo is killed. A replay rebuilds its objects from
/// the last recorded position with cuts of its own timing and supersedes only the object starting where its rebuilt
/// one starts: had the second object been written unrecorded, its events would be archived twice. So the processor
/// holds its next object until the last one is recorded, and records it on its own tick once the store is back, also
/// when no batch follows.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class StateOutageReplayTests : IDisposable
{
    private const string Tenant = "outage";
    private const int EventsPerPost = 25;
    // Objects are cut 2 s after their first batch: the second batch is due long before the test kills the silo.
    private const string QuickCut = "--Pipeline:Archive:MaxAge=00:00:02";
    private readonly TempDirectory _data = new();

    private string ArchiveDirectory => Path.Combine(_data.Path, "archive");

    /// <summary>The store that refuses the record of the first object: the grain store (its state) or the archive store (the keyed index written before it).</summary>
    public static TheoryData<string> Faults => ["state", "index"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task RecordRefusedAcrossTwoCuts_KillAndReplay_EachEventArchivedOnce(string fault)
    {
        var silo = await ProcessingSilo.StartAsync(_data.Path, QuickCut);
        var acked = new List<string>();
        // A file where the tenant's keyed index folder goes: every index write fails until it is removed.
        var blockedIndex = Path.Combine(ArchiveDirectory, KeyedBatchIndex.Root, Tenant);
        try
        {
            string key;
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                key = await api.CreateTenantAsync(Tenant);
                string refusal;
                if (fault == "state")
                {
                    await ProcessorStateFault.RefuseRecordsAsync(_data.Path);
                    refusal = ProcessorStateFault.Refusal;
                }
                else
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(blockedIndex)!);
                    await File.WriteAllTextAsync(blockedIndex, "the keyed index cannot be written");
                    // The write's error names the index object's path.
                    refusal = $"{KeyedBatchIndex.Root}{Tenant}/";
                }

                // Keyed, so that its object's record begins with an index entry.
                var first = await PostAsync(api, key, "first", idempotencyKey: "first-1");
                acked.AddRange(first);
                await ArchiveFiles.WaitForAsync(ArchiveDirectory, Tenant, events => first.All(events.Select(static e => e.EventId).ToHashSet().Contains), TimeSpan.FromSeconds(60));
                await Poll.UntilAsync(() => silo.Output.Contains(refusal, StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => "the record of the first object refused:\n" + silo.Output);

                acked.AddRange(await PostAsync(api, key, "second"));
                await Poll.UntilAsync(
                    () => silo.Output.Contains($"Processor {Tenant} holds its next archive object", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(30),
                    () => "the second batch's object held until the first is recorded:\n" + silo.Output);
                var objects = await ArchiveFiles.ReadAsync(ArchiveDirectory, Tenant);
                Assert.Equal(first.Order(StringComparer.Ordinal), Assert.Single(objects).Events.Select(static e => e.EventId).Order(StringComparer.Ordinal));
                await silo.KillAsync();
            }

            await silo.DisposeAsync();
            if (fault == "state")
            {
                await ProcessorStateFault.SetAsync(_data.Path, refuse: false);
            }
            else
            {
                File.Delete(blockedIndex);
            }

            silo = await ProcessingSilo.StartAsync(_data.Path, QuickCut);
            using var restarted = new PipelineApi(silo.BaseAddress);
            acked.AddRange(await PostAsync(restarted, key, "third"));

            // Read once the replay's object has replaced the one it supersedes: an object never superseded fails here, a copy elsewhere below.
            var archived = await ArchiveFiles.WaitForAsync(
                ArchiveDirectory, Tenant, events => acked.All(events.Select(static e => e.EventId).ToHashSet().Contains), TimeSpan.FromSeconds(60));
            var ids = archived.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
            Assert.Equal(acked.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task StateRefusedThenBack_QuietStream_ObjectRecordedWithoutAnotherBatch()
    {
        await using var silo = await ProcessingSilo.StartAsync(_data.Path, QuickCut);
        using var api = new PipelineApi(silo.BaseAddress);
        var key = await api.CreateTenantAsync(Tenant);
        await ProcessorStateFault.RefuseRecordsAsync(_data.Path);

        var only = await PostAsync(api, key, "only");
        var objects = await ArchiveFiles.WaitForAsync(ArchiveDirectory, Tenant, events => only.All(events.Select(static e => e.EventId).ToHashSet().Contains), TimeSpan.FromSeconds(60));
        Assert.True(ArchiveObjectName.TryParse(Assert.Single(objects).Name, out var written));
        await Poll.UntilAsync(() => silo.Output.Contains(ProcessorStateFault.Refusal, StringComparison.Ordinal), TimeSpan.FromSeconds(30), static () => "the record of the object refused");

        // No batch follows: the processor's own tick records the object once the store takes writes, and with it
        // lets the checkpoint pass it and the activation be collected when idle.
        await ProcessorStateFault.SetAsync(_data.Path, refuse: false);
        await Poll.UntilAsync(
            () => ProcessorStateFault.ArchivedThrough(_data.Path) >= written.LastSequence,
            TimeSpan.FromSeconds(30),
            () => $"the object through {written.LastSequence} recorded; the state is at {ProcessorStateFault.ArchivedThrough(_data.Path)}");
    }

    public void Dispose() => _data.Dispose();

    private static async Task<List<string>> PostAsync(PipelineApi api, string key, string label, string? idempotencyKey = null)
    {
        var body = string.Join('\n', Enumerable.Range(0, EventsPerPost).Select(i => $$"""{"message":"{{label}} event {{i}}"}"""));
        using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes(body), "application/x-ndjson", idempotencyKey: idempotencyKey);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST answered {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var batch = json.RootElement.GetProperty("batchId").GetString();
        return [.. Enumerable.Range(0, EventsPerPost).Select(i => $"{batch}:{i}")];
    }
}
