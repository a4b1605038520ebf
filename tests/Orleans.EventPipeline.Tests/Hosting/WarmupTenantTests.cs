using Orleans.EventPipeline.Silo.Warmup;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Tenants;

namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class WarmupTenantTests
{
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Prepare_WhileAnotherGatewayIsBetweenItsSetupAndItsKey_DoesNotDeleteTheTenant_BothKeysWork()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "warmup-tenant-between");
        var tenant = cluster.Client.GetGrain<ITenantGrain>(TenantId.Warmup);
        // Gateway A has set the tenant up (its delete done, its settings stored) and not yet been issued its key.
        var setUpByA = await tenant.ConfigureAsync(new TenantSettings("the silos' start-up warm-up", Enabled: true));

        // Gateway B starts now. With the check for a recent key a call before the delete, B found no key, deleted the
        // tenant A had just set up, and A's key request then failed, or its key was revoked, by B's delete.
        var keyOfB = await WarmupTenant.PrepareAsync(cluster.Client, 1, Longest, TimeProvider.System);
        var keyOfA = await tenant.IssueApiKeyAsync("start-up warm-up");
        var profile = await tenant.GetProfileAsync();
        var keys = await tenant.ListApiKeysAsync();

        Assert.Equal(setUpByA.CreatedAt, profile.CreatedAt);
        Assert.Equal(2, keys.Count);
        Assert.All(new[] { keyOfA, keyOfB }, key => Assert.False(Assert.Single(keys, k => k.KeyId == key.KeyId).Revoked));
    }

    [Fact]
    public async Task Prepare_ByGatewaysStartingTogether_KeepsEveryOnesKey_ALaterStartPastTheWindowRevokesThem()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "warmup-tenant-together");
        var tenant = cluster.Client.GetGrain<ITenantGrain>(TenantId.Warmup);

        var together = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WarmupTenant.PrepareAsync(cluster.Client, 1, Longest, TimeProvider.System)));
        var keysTogether = await tenant.ListApiKeysAsync();

        // A start past twice the longest warm-up after them (their silos died without revoking their keys): it deletes,
        // so the tenant's record does not keep a key per start, and keys no live silo holds stop working.
        var later = await WarmupTenant.PrepareAsync(cluster.Client, 1, Longest, new ShiftedTime(Longest * 2 + TimeSpan.FromSeconds(1)));
        var keysLater = await tenant.ListApiKeysAsync();

        Assert.Equal(together.Length, keysTogether.Count);
        Assert.All(together, key => Assert.False(Assert.Single(keysTogether, k => k.KeyId == key.KeyId).Revoked));
        Assert.Equal(later.KeyId, Assert.Single(keysLater).KeyId);
        Assert.False(keysLater[0].Revoked);
    }

    /// <summary>The system's time moved ahead by <paramref name="ahead"/>: a later start's "now" without waiting for it.</summary>
    private sealed class ShiftedTime(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }
}
