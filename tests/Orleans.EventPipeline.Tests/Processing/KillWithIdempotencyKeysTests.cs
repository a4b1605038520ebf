using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// kill -9 under load while every batch is retried under its own Idempotency-Key until it is acknowledged:
/// a kill between a batch's stream write and the record of its answer stores the batch twice under the same
/// event ids, and the archive must still hold each of them once.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class KillWithIdempotencyKeysTests(ITestOutputHelper output) : IDisposable
{
    private const int EventsPerPost = 25;
    private const int PostersPerTenant = 4;
    private const int Kills = 3;
    private static readonly string[] Tenants = ["kill-a", "kill-b"];
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task ThreeKills_TwoTenants_EveryAcknowledgedEventArchivedOnce()
    {
        var silo = await ProcessingSilo.StartAsync(_data.Path);
        var api = new PipelineApi(silo.BaseAddress);
        var posters = new List<KeyedPoster>();
        using var stop = new CancellationTokenSource();
        var running = new List<Task>();
        try
        {
            foreach (var tenant in Tenants)
            {
                var key = await api.CreateTenantAsync(tenant);
                for (var p = 0; p < PostersPerTenant; p++)
                {
                    var poster = new KeyedPoster(tenant, key, $"p{p}", api, EventsPerPost);
                    posters.Add(poster);
                    running.Add(poster.RunAsync(stop.Token));
                }
            }

            var repeatsDropped = 0;
            for (var kill = 0; kill < Kills; kill++)
            {
                await Poll.UntilAsync(() => posters.Sum(static p => p.AckedBatches) >= (kill + 1) * 40, TimeSpan.FromSeconds(90), static () => "batches acknowledged before a kill");
                await silo.KillAsync();
                await silo.DisposeAsync();
                silo = await ProcessingSilo.StartAsync(_data.Path);
                var restarted = new PipelineApi(silo.BaseAddress);
                posters.ForEach(p => p.Switch(restarted));
                api.Dispose();
                api = restarted;
                repeatsDropped += CountRepeats(silo);
            }

            var afterLastKill = posters.Sum(static p => p.AckedBatches);
            await Poll.UntilAsync(() => posters.Sum(static p => p.AckedBatches) >= afterLastKill + 40, TimeSpan.FromSeconds(90), static () => "batches acknowledged after the last restart");
            await stop.CancelAsync();
            await Task.WhenAll(running);

            foreach (var tenant in Tenants)
            {
                var expected = posters.Where(p => p.Tenant == tenant).SelectMany(static p => p.AckedEventIds).ToHashSet(StringComparer.Ordinal);
                var objects = await ArchiveFiles.WaitForAsync(
                    Path.Combine(_data.Path, "archive"), tenant, events => expected.IsSubsetOf(events.Select(static e => e.EventId)), TimeSpan.FromSeconds(90),
                    events => KeyedPoster.DescribeMissing(posters.Where(p => p.Tenant == tenant), events.Select(static e => e.EventId).ToHashSet(StringComparer.Ordinal)));
                var archived = objects.SelectMany(static o => o.Events).Select(static e => e.EventId).ToList();
                ExactlyOnce.AssertArchived(tenant, expected, archived, output);
            }

            output.WriteLine($"retries answered while the silo was down or unsure: {posters.Sum(static p => p.Failures)}; repeat drops logged after restarts: {repeatsDropped + CountRepeats(silo)}");
            Assert.True(posters.Sum(static p => p.Failures) > 0, "the posters never saw the silo down: the kills did not interrupt the load");
        }
        finally
        {
            await stop.CancelAsync();
            api.Dispose();
            await silo.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    private static int CountRepeats(SiloProcess silo) =>
        silo.Output.Split('\n').Count(static line => line.Contains("a retry of events already archived or dead-lettered", StringComparison.Ordinal));
}
