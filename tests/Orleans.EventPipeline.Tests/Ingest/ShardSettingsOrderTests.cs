using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Ingest;

/// <summary>
/// The tenant grain's settings applies can reach a shard out of order (one that timed out arrives after the next
/// change's): the shard keeps the settings of the newest version, with that version's data generation, whatever order
/// they come in. The calls are made here in the order a late delivery would make them.
/// </summary>
public sealed class ShardSettingsOrderTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessingTestCluster.StartAsync(_archive.Path);

    [Fact]
    public async Task AnOlderVersionArrivingLast_IsIgnored_AndAtTheSameVersionARefusalWins()
    {
        const string tenant = "overtaken";
        var settings = new TenantSettings(tenant, Enabled: true);
        var profile = await _cluster.Client.GetGrain<ITenantGrain>(tenant).ConfigureAsync(settings);
        var shard = _cluster.Client.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard(tenant, 0));
        var frames = GatewayFrames.Of(["{\"a\":1}"]);
        var batch = new IngestBatch(EventKind.Json, 1, frames, [], frames.Length);
        var (version, generation, later) = (profile.Version, profile.DataGeneration, Guid.NewGuid());
        var before = await shard.IngestAsync(batch);

        // A disable, then the enable before it arriving late.
        await shard.ApplySettingsAsync(settings with { Enabled = false }, version + 1, generation);
        await shard.ApplySettingsAsync(settings, version, generation);
        var afterLateEnable = await shard.IngestAsync(batch);
        // A newer change with a new data generation (a create after data=remove) is taken and answered under it.
        await shard.ApplySettingsAsync(settings, version + 2, later);
        var afterNewer = await shard.IngestAsync(batch);
        // A delete's refusal under the version it deletes, then that version's enable arriving late.
        await shard.ApplySettingsAsync(settings with { Enabled = false }, version + 2, later);
        await shard.ApplySettingsAsync(settings, version + 2, later);
        var afterTie = await shard.IngestAsync(batch);

        Assert.Equal(IngestOutcome.Stored, before.Outcome);
        Assert.Equal(generation, before.DataGeneration);
        Assert.Equal(IngestOutcome.TenantDisabled, afterLateEnable.Outcome);
        Assert.Equal(IngestOutcome.Stored, afterNewer.Outcome);
        Assert.Equal(later, afterNewer.DataGeneration);
        Assert.Equal(IngestOutcome.TenantDisabled, afterTie.Outcome);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();
}
