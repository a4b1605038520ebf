using Orleans.EventPipeline.Tenants;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// The dashboard's aggregate (<see cref="ITenantActivityGrain"/>) in an in-process silo: pushes from several silos
/// are summed, and a repeat or an older push of a silo (a retry of a call that landed) is not counted again.
/// </summary>
public sealed class TenantActivityGrainTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = new InProcessTestClusterBuilder(1).Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Pushes_SummedAcrossSilos_RepeatsAndOlderSequencesIgnored_LatestLagKept()
    {
        var grain = _cluster.Client.GetGrain<ITenantActivityGrain>(ITenantActivityGrain.Key);
        var now = DateTimeOffset.UtcNow;
        var slot = TenantActivityBuckets.SlotOf(now);
        var first = Push("silo-a", 1, Delta("t", events: 5, deadLetters: 0, slot, lagAt: null));
        var processor = Push("silo-b", 1, Delta("t", events: 0, deadLetters: 2, slot, lagAt: now) with { ArchiveLagSeconds = 1.5 });
        var second = Push("silo-a", 2, Delta("t", events: 3, deadLetters: 0, slot - 1, lagAt: now.AddSeconds(-5)) with { ArchiveLagSeconds = 9 });

        Assert.True(await grain.PushAsync(first));
        Assert.True(await grain.PushAsync(processor));
        // The same push again, as after a call that timed out but landed: ignored.
        Assert.False(await grain.PushAsync(first));
        Assert.True(await grain.PushAsync(second));
        // An older sequence number of that silo, arriving late: ignored too.
        Assert.False(await grain.PushAsync(first));
        Assert.False(await grain.PushAsync(processor));

        var snapshot = await grain.ReadAsync();
        var totals = snapshot.Tenants["t"];
        // The series ends with the bucket of the read, which may be past the pushes' bucket.
        var behind = (int)(snapshot.Slot - slot);

        Assert.Equal(8, totals.Events);
        Assert.Equal(2, totals.DeadLetters);
        Assert.Equal(80, totals.Bytes);
        // The lag measured last wins, not the one pushed last.
        Assert.Equal(1.5, totals.ArchiveLagSeconds);
        Assert.Equal(8, totals.Series.Sum());
        Assert.Equal(5, totals.Series[^(1 + behind)]);
        Assert.Equal(3, totals.Series[^(2 + behind)]);
    }

    private static TenantActivityPush Push(string silo, long sequence, TenantActivityDelta delta) => new(silo, sequence, [delta]);

    private static TenantActivityDelta Delta(string tenant, long events, long deadLetters, long slot, DateTimeOffset? lagAt) =>
        new(tenant, events, events * 10, 0, 0, deadLetters, lagAt is null ? null : 0, lagAt, events == 0 ? [] : [new TenantActivityBucket(slot, events)]);
}
