using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Streaming;
using Orleans.EventPipeline.Tests.Support;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A <c>data=remove</c> delete repeated, or overtaken by what came after it (helper-134's review): a processor's drop
/// must reach only the data the delete removes, and repeating the delete must not push the generation its batches carry
/// off the tenant's list of removed ones.
/// </summary>
public sealed class DataRemovalOvertakenTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster? _cluster;

    private InProcessTestCluster Cluster => _cluster!;

    public async Task InitializeAsync() => _cluster = await ProcessingTestCluster.StartAsync(
        _archive.Path,
        static options => options.SettingsRefreshInterval = TimeSpan.FromSeconds(1));

    /// <summary>
    /// A delete that did not finish, repeated more times than the tenant keeps removed generations: each repeat made a new
    /// generation and named the previous one removed, so the one the tenant's batches carried went off the list, and its
    /// batches still on the stream would have been archived into a tenant created again.
    /// </summary>
    [Fact]
    public async Task RemovalRepeatedPastTheListsBound_KeepsTheGenerationTheBatchesCarry()
    {
        var tenant = "repeated-" + Guid.NewGuid().ToString("N")[..8];
        var grain = Cluster.Client.GetGrain<ITenantGrain>(tenant);
        var created = await grain.ConfigureAsync(new TenantSettings("repeated", true));
        var carried = created.DataGeneration;

        var first = await grain.BeginDataRemovalAsync(TenantCondition.None);
        for (var i = 0; i < TenantProfile.MaxRemovedDataGenerations + 4; i++)
        {
            Assert.Equal(TenantChangeOutcome.Done, (await grain.BeginDataRemovalAsync(TenantCondition.None)).Outcome);
        }

        var deleted = await grain.DeleteAsync(TenantCondition.None, dataRemoved: true);
        var after = await grain.GetProfileAsync();

        Assert.NotNull(carried);
        Assert.Equal(TenantChangeOutcome.Done, deleted.Outcome);
        Assert.True(after.IsRemoved(carried), $"the generation the batches carried ({carried}) is not among the removed: {string.Join(", ", after.RemovedGenerations)}");
        Assert.Equal([carried!.Value], after.RemovedGenerations);
        Assert.NotEqual(carried, first.Profile.DataGeneration);
        Assert.False(after.IsRemoved(after.DataGeneration));
    }

    /// <summary>
    /// A processor's drop arriving after its delete was overtaken: the tenant was created again, took an event, and was
    /// disabled. The drop found a disabled tenant and discarded what the new tenant's stream key held; it now drops only
    /// while the tenant is at the version the delete's first step left.
    /// </summary>
    [Fact]
    public async Task DropArrivingAfterACreateAgainAndADisable_DropsNothingOfTheNewTenant()
    {
        var tenant = "overtaken-" + Guid.NewGuid().ToString("N")[..8];
        var streamKey = StreamKeys.ForShard(tenant, 0);
        var grain = Cluster.Client.GetGrain<ITenantGrain>(tenant);
        var held = new TenantSettings("overtaken", true)
        {
            Processing = new ProcessingSettings { Ordering = new OrderingSettings { Enabled = true, LatenessWindow = TimeSpan.FromHours(1) } },
        };
        await grain.ConfigureAsync(held);
        var begun = await grain.BeginDataRemovalAsync(TenantCondition.None);
        Assert.Equal(TenantChangeOutcome.Done, (await grain.DeleteAsync(new TenantCondition(IfVersion: begun.Profile.Version), dataRemoved: true)).Outcome);
        await grain.ConfigureAsync(held);
        var stage = Cluster.Client.GetGrain<IEventOrderGrain>(streamKey);
        await stage.AddAsync(null, [Event(tenant, "live")]);
        Assert.Equal(TenantChangeOutcome.Done, (await grain.SetEnabledAsync(false, TenantCondition.None)).Outcome);

        // The first delete's call to the processor, late.
        var dropped = await Cluster.Client.GetGrain<ITenantStreamProcessorGrain>(streamKey).DropRemovedDataAsync(begun.Profile.Version);
        // The window lowered and the tenant enabled: what the stage holds comes out within seconds.
        await grain.ConfigureAsync(held with { Processing = held.Processing with { Ordering = held.Processing.Ordering with { LatenessWindow = TimeSpan.FromSeconds(1) } } });
        await stage.AddAsync(null, [Event(tenant, "later")]);

        var received = await ReceivedEvents.WaitAsync(streamKey, static r => r.Count >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal(0, dropped);
        Assert.Equal(["live", "later"], received);
    }

    private static NormalizedEvent Event(string tenant, string body)
    {
        var time = DateTimeOffset.UtcNow;
        return new(tenant, $"{Guid.NewGuid():N}:0", time, time, time, 9, "info", body, new Dictionary<string, AttributeValue>(), new Dictionary<string, string>(), SourceFormat.Json);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _archive.Dispose();
}
