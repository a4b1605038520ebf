using Orleans.EventPipeline.Grains.Tenants;
using Orleans.EventPipeline.Silo.Warmup;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Tenants;

namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class WarmupTenantTests
{
    [Fact]
    public async Task Prepare_WhileAnotherGatewayIsBetweenItsSetupAndItsKey_KeepsTheTenant_BothKeysResolve()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "warmup-between");
        var tenant = cluster.Client.GetGrain<ITenantGrain>(TenantId.Warmup);
        // Gateway A has set the tenant up and not yet been issued its key.
        var setUpByA = await tenant.ConfigureAsync(new TenantSettings("the silos' start-up warm-up", Enabled: true));

        // Gateway B starts now. When a start deleted the tenant first (unless a listing a call before showed a young
        // key), B found none, deleted the tenant A had set up and created it again.
        var keyOfB = await WarmupTenant.PrepareAsync(cluster.Client, 1, WarmupTenant.KeysRetiredAfter);
        var keyOfA = (await tenant.IssueApiKeyAsync("start-up warm-up"))!;

        Assert.Equal(setUpByA.CreatedAt, (await tenant.GetProfileAsync()).CreatedAt);
        Assert.Equal([false, false], (await tenant.ListApiKeysAsync()).Select(k => k.Revoked));
        Assert.All(await Task.WhenAll(new[] { keyOfA, keyOfB }.Select(k => cluster.Client.GetGrain<IApiKeyGrain>(ApiKeySecret.Hash(k.Secret)).ResolveTenantAsync())),
            tenantId => Assert.Equal(TenantId.Warmup, tenantId));
    }

    [Fact]
    public async Task Prepare_KeysOfSilosThatDiedWarmingUp_KeptWithinTheWindow_RetiredPastIt_TheRecordDoesNotGrowPerStart()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "warmup-retire");
        var tenant = cluster.Client.GetGrain<ITenantGrain>(TenantId.Warmup);

        // Three starts within the window (gateways starting together, or a crash loop), none revoking its key.
        var died = new List<IssuedApiKey>();
        for (var start = 0; start < 3; start++)
        {
            died.Add(await WarmupTenant.PrepareAsync(cluster.Client, 1, WarmupTenant.KeysRetiredAfter));
        }

        var withinWindow = await tenant.ListApiKeysAsync();
        // A start whose window all three are past (a window of 0 stands for the time going by), whose silo then revokes
        // its own key as it does when done; and one more start past that: the record keeps one key, not one per start.
        var past = await WarmupTenant.PrepareAsync(cluster.Client, 1, TimeSpan.Zero);
        var afterPast = await tenant.ListApiKeysAsync();
        await WarmupTenant.RevokeAsync(cluster.Client, past.KeyId);
        var next = await WarmupTenant.PrepareAsync(cluster.Client, 1, TimeSpan.Zero);

        Assert.Equal(died.Select(k => k.KeyId), withinWindow.Where(k => !k.Revoked).Select(k => k.KeyId));
        Assert.Equal(3, withinWindow.Count);
        Assert.Equal(past.KeyId, Assert.Single(afterPast).KeyId);
        Assert.Equal(next.KeyId, Assert.Single(await tenant.ListApiKeysAsync()).KeyId);
        Assert.All(await Task.WhenAll(died.Append(past).Select(k => cluster.Client.GetGrain<IApiKeyGrain>(ApiKeySecret.Hash(k.Secret)).ResolveTenantAsync())), Assert.Null);
    }
}
