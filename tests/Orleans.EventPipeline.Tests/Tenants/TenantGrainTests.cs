using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Tests.Tenants;

public sealed class TenantGrainTests
{
    [Fact]
    public async Task GetProfile_NeverConfigured_DoesNotExist()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-never");

        var profile = await cluster.Client.GetGrain<ITenantGrain>("acme").GetProfileAsync();

        Assert.False(profile.Exists);
        Assert.Equal("acme", profile.TenantId);
        Assert.Equal(0, profile.Version);
        Assert.Null(profile.Settings);
    }

    [Fact]
    public async Task Configure_ThenDeactivate_StateIsReadBackFromStorage()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-deactivate");
        var grain = cluster.Client.GetGrain<ITenantGrain>("acme");

        await grain.ConfigureAsync(new TenantSettings("Acme Corp", Enabled: true));
        var second = await grain.ConfigureAsync(new TenantSettings("Acme Corporation", Enabled: false));
        await cluster.DeactivateAsync(grain);
        var reloaded = await grain.GetProfileAsync();

        Assert.Equal(2, second.Version);
        Assert.True(reloaded.Exists);
        Assert.Equal(new TenantSettings("Acme Corporation", Enabled: false), reloaded.Settings);
        Assert.Equal(2, reloaded.Version);
        Assert.Equal(second.CreatedAt, reloaded.CreatedAt);
    }

    [Fact]
    public async Task Configure_ClusterRestartedOverSameDatabase_StateSurvives()
    {
        using var data = new TempDirectory();
        var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-restart");
        await cluster.Client.GetGrain<ITenantGrain>("globex").ConfigureAsync(new TenantSettings("Globex", Enabled: true));
        await cluster.DisposeAsync();

        await using var restarted = await SqliteTestCluster.StartAsync(data.Path, "tenant-restart");
        var profile = await restarted.Client.GetGrain<ITenantGrain>("globex").GetProfileAsync();

        Assert.True(profile.Exists);
        Assert.Equal("Globex", profile.Settings?.DisplayName);
        Assert.Equal(1, profile.Version);
    }

    [Fact]
    public async Task Configure_EmptyDisplayName_IsRefusedAndNothingStored()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-invalid");
        var grain = cluster.Client.GetGrain<ITenantGrain>("initech");

        await Assert.ThrowsAsync<ArgumentException>(() => grain.ConfigureAsync(new TenantSettings(" ", Enabled: true)));

        Assert.False((await grain.GetProfileAsync()).Exists);
    }
}
