using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tests.Tenants;

namespace Orleans.EventPipeline.Tests.Gateway;

public sealed class TenantShardsTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _data = new();
    private readonly FakeTimeProvider _time = new();
    private Orleans.TestingHost.InProcessTestCluster? _cluster;

    public async Task InitializeAsync() => _cluster = await SqliteTestCluster.StartAsync(_data.Path, "tenant-shards");

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task PickAsync_TenantsSilentForTheirPeriod_AreSweptOnceTheMapDoubles()
    {
        var shards = new TenantShards(_cluster!.Client, Options.Create(new GatewayOptions { ApiKeyCacheDuration = Period }), _time);
        await PickAllAsync(shards, "gone", TenantShards.MinimumSweepCount);
        _time.Advance(Period);

        // At twice the threshold the map is swept: the silent tenants' entries go, those used in their period stay.
        await PickAllAsync(shards, "live", TenantShards.MinimumSweepCount);

        Assert.Equal(TenantShards.MinimumSweepCount, shards.Count);
        var (count, again) = await shards.PickAsync("gone-0");
        Assert.Equal(1, count);
        Assert.NotNull(again);
    }

    private static async Task PickAllAsync(TenantShards shards, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (shardCount, next) = await shards.PickAsync($"{prefix}-{i}");
            Assert.Equal(1, shardCount);
            Assert.NotNull(next);
        }
    }
}
