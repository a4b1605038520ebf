using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// A silo joins and takes half of the partitions while the tenants on them are quiet: their processor
/// grains, still active on the first silo, must follow their partitions to the new reader, so that the
/// next batches are archived within seconds.
/// </summary>
[Collection(HeavyProcessTests.Name)]
public sealed class PartitionMoveTests(ITestOutputHelper output)
{
    private const int Partitions = 4;
    private const int EventsPerPost = 10;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Before the fix the new reader's first delivery reached the old activation, which refused it and
    /// deactivated at its next slow tick; the reader's silo kept the first silo as the grain's address in its
    /// directory cache (minutes), and each retry activated the grain on the first silo again, which refused
    /// again: CI once saw 30 acknowledged batches of a tenant unarchived 90 s after the load.
    /// </summary>
    [Fact]
    public async Task SiloJoinsWhileTenantsAreQuiet_ProcessorsMigrateToTheirPartitionsReader_NextBatchesArchivedWithinSeconds()
    {
        var started = DateTimeOffset.UtcNow;
        var tenants = Enumerable.Range(0, 8).Select(static i => $"move-{i}").ToArray();
        using var data = new TempDirectory();
        await using var azurite = await AzuriteNode.StartAsync(Path.Combine(data.Path, "azurite"));
        await using var eventHubs = await AzureClusterSilos.StartEventHubsAsync(Path.Combine(data.Path, "eventhubs"), Partitions);
        // Settings re-read once a minute: a quiet processor's timer ticks that rarely, as in production with
        // a longer Pipeline:Processing:SettingsRefreshInterval.
        const string rareTicks = "--Pipeline:Processing:SettingsRefreshInterval=00:01:00";
        await using var first = AzureClusterSilos.Start("all", azurite, eventHubs, Path.Combine(data.Path, "all-1"), rareTicks);
        await first.WaitForReadyAsync(StartTimeout);
        using var api = new PipelineApi(first.BaseAddress);
        var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(azurite.ConnectionString, "archive"), CancellationToken.None);

        var keys = new Dictionary<string, string>();
        var expected = new Dictionary<string, List<string>>();
        foreach (var tenant in tenants)
        {
            keys[tenant] = await api.CreateTenantAsync(tenant);
            expected[tenant] = [.. await PostAsync(api, keys[tenant], tenant, 0)];
        }

        await WaitArchivedAsync(store, expected, started, TimeSpan.FromSeconds(60), "the first batches");

        await using var second = AzureClusterSilos.Start("processor", azurite, eventHubs, Path.Combine(data.Path, "processor-1"), rareTicks);
        await second.WaitForReadyAsync(StartTimeout);
        await Poll.UntilAsync(
            () => AzureClusterSilos.Share(first) == 2 && AzureClusterSilos.Share(second) == 2,
            TimeSpan.FromSeconds(60),
            () => $"partitions split 2/2, saw {AzureClusterSilos.Share(first)}/{AzureClusterSilos.Share(second)}");

        foreach (var tenant in tenants)
        {
            expected[tenant].AddRange(await PostAsync(api, keys[tenant], tenant, 1));
        }

        var clock = Stopwatch.StartNew();
        // Within the delivery retries' first backoffs (1-5 s) and a tick: the old activation stayed up to a minute.
        await WaitArchivedAsync(store, expected, started, TimeSpan.FromSeconds(30), "the batches posted after the move", first, second);
        output.WriteLine($"all batches posted after the move archived {clock.Elapsed.TotalSeconds:F1} s after the last was acknowledged");

        // At least one quiet processor was on a partition that moved, and it went to the silo that reads it now.
        var moved = Regex.Matches(first.Output, @"Processor (\S+) moves to silo S127\.0\.0\.1:").Select(static m => m.Groups[1].Value).Distinct().ToList();
        output.WriteLine($"processors moved from the first silo: {string.Join(", ", moved)}");
        Assert.NotEmpty(moved);
        Assert.DoesNotContain("moves to silo (null)", first.Output, StringComparison.Ordinal);
        // Migrated, not deactivated and re-created by a delivery: each is active on the second silo, and the first
        // silo never activated it again.
        Assert.All(moved, key => Assert.Contains($"Processor {key} active", second.Output, StringComparison.Ordinal));
        Assert.All(moved, key => Assert.Single(Regex.Matches(first.Output, $@"Processor {key} active\b")));
    }

    /// <summary>Posts one batch and returns its event ids (<c>{batchId}:{index}</c>).</summary>
    private static async Task<IEnumerable<string>> PostAsync(PipelineApi api, string key, string tenant, int post)
    {
        var body = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, EventsPerPost).Select(i => $$"""{"message":"{{tenant}} post {{post}} event {{i}}"}""")));
        using var response = await api.PostAsync(key, body, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var batch = json.RootElement.GetProperty("batchId").GetString();
        return Enumerable.Range(0, EventsPerPost).Select(i => $"{batch}:{i}");
    }

    private static async Task WaitArchivedAsync(
        IArchiveStore store, Dictionary<string, List<string>> expected, DateTimeOffset started, TimeSpan timeout, string what, params SiloProcess[] silos)
    {
        var missing = new List<string>();
        await Poll.UntilAsync(
            () =>
            {
                missing.Clear();
                foreach (var (tenant, ids) in expected)
                {
                    var archived = ArchiveCatalog.ReadRangeAsync(store, tenant, started.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None)
                        .GetAwaiter().GetResult().Select(static e => e.EventId).ToHashSet(StringComparer.Ordinal);
                    var count = ids.Count(id => !archived.Contains(id));
                    if (count > 0)
                    {
                        missing.Add($"{tenant} ({count})");
                    }
                }

                return missing.Count == 0;
            },
            timeout,
            () => $"{what} archived; events missing of {string.Join(", ", missing)}; "
                + string.Join("\n", silos.Select(static (s, i) => $"silo {i + 1}:\n{s.Excerpt(60, "moves to silo", "refused raw sequence", "queues")}")));
    }
}
