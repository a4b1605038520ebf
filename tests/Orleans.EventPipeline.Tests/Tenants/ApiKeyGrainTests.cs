using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Tenants;

public sealed class ApiKeyGrainTests
{
    [Fact]
    public async Task ResolvedAgainWithinTheWriteInterval_Collected_LastUseKeptExactly()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "apikey-collected");
        var key = cluster.Client.GetGrain<IApiKeyGrain>(new string('a', 64));
        await key.RegisterAsync("acme", "k1");

        // The first use is stored; the second, moments later, only held in memory (stored at most every 5 minutes).
        Assert.Equal("acme", await key.ResolveTenantAsync());
        var first = await key.GetLastUsedAsync();
        await Poll.UntilAsync(() => DateTimeOffset.UtcNow > first, TimeSpan.FromSeconds(5), static () => "the clock moving past the first use");
        Assert.Equal("acme", await key.ResolveTenantAsync());
        var second = await key.GetLastUsedAsync();
        // Collected when idle, like the tenant's other grains: the time held in memory goes to the store on the way out.
        await cluster.DeactivateAsync(key);

        Assert.True(second > first);
        Assert.Equal(second, await key.GetLastUsedAsync());
    }
}
