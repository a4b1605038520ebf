using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// The raw stream's checkpoint never passes events the archive has not written. On a graceful stop Orleans
/// checkpoints each partition at what it delivered; with the archive store down, the processor's buffer
/// cannot be written, so the checkpoint must stay before it and the next start replays it.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class ArchiveOutageCheckpointTests : IDisposable
{
    // Event Hubs places "acme" and "t2" on other partitions than Orleans' queue hash ring assigns their
    // streams to (3 vs 2 and 2 vs 0 of 4): a hold must follow the hub's placement.
    private static readonly string[] Tenants = ["acme", "t2"];
    private const int Posts = 20;
    private const int EventsPerPost = 10;
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task StopWhileArchiveIsDown_RestartAfterItIsBack_EveryAcknowledgedEventArchivedOnce()
    {
        var archiveDirectory = Path.Combine(_data.Path, "archive");
        // A file where the tenant's archive folder goes: every write of its objects fails until it is removed.
        Directory.CreateDirectory(archiveDirectory);
        foreach (var tenant in Tenants)
        {
            await File.WriteAllTextAsync(Path.Combine(archiveDirectory, tenant), "the archive store is down");
        }

        var acked = Tenants.ToDictionary(static t => t, static _ => new List<string>());
        var silo = await ProcessingSilo.StartAsync(_data.Path);
        try
        {
            using (var api = new PipelineApi(silo.BaseAddress))
            {
                foreach (var tenant in Tenants)
                {
                    var key = await api.CreateTenantAsync(tenant);
                    for (var post = 0; post < Posts; post++)
                    {
                        var body = string.Join('\n', Enumerable.Range(0, EventsPerPost).Select(i => $$"""{"message":"post {{post}} event {{i}}"}"""));
                        using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes(body), "application/x-ndjson");
                        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        var batch = json.RootElement.GetProperty("batchId").GetString();
                        acked[tenant].AddRange(Enumerable.Range(0, EventsPerPost).Select(i => $"{batch}:{i}"));
                    }
                }
            }

            // Delivered to the processor, which fails to write them (logged), so they sit in its buffer.
            await Poll.UntilAsync(() => silo.Output.Contains("write its archive buffer", StringComparison.Ordinal), TimeSpan.FromSeconds(60), () => "the silo did not log a failed archive write:\n" + silo.Output);
            Assert.Equal(0, await silo.TerminateAsync(TimeSpan.FromSeconds(60)));
            await silo.DisposeAsync();

            foreach (var tenant in Tenants)
            {
                File.Delete(Path.Combine(archiveDirectory, tenant));
            }

            silo = await ProcessingSilo.StartAsync(_data.Path);
            foreach (var tenant in Tenants)
            {
                var objects = await ArchiveFiles.WaitForAsync(
                    archiveDirectory, tenant, events => acked[tenant].All(events.Select(static e => e.EventId).ToHashSet().Contains), TimeSpan.FromSeconds(60));
                var archived = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
                Assert.Equal(acked[tenant].Order(StringComparer.Ordinal), archived.Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}
