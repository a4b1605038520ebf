using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Grains.Tenants;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Testing;
using Orleans.EventPipeline.Tenants;
using Orleans.Storage;

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
    public async Task IssueApiKey_TenantNeverCreatedOrDeleted_IsNullAndRegistersNoKey()
    {
        // The admin API finds the tenant, then issues: a delete that finishes in between was a 500 (helper-105).
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-issue-gone");
        var grain = cluster.Client.GetGrain<ITenantGrain>("acme");
        var never = await grain.IssueApiKeyAsync("agent");
        await grain.ConfigureAsync(new TenantSettings("Acme", Enabled: true));
        await grain.DeleteAsync(TenantCondition.None, dataRemoved: false);

        var deleted = await grain.IssueApiKeyAsync("agent");

        Assert.Null(never);
        Assert.Null(deleted);
        Assert.Empty(await grain.ListApiKeysAsync());
    }

    [Fact]
    public async Task IssueRetiringOlder_RevokesAndDropsThatNamesOldKeys_KeepsItsYoungOnesAndOtherNames()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-retire");
        var grain = cluster.Client.GetGrain<ITenantGrain>("acme");
        await grain.ConfigureAsync(new TenantSettings("Acme", Enabled: true));
        var agent = (await grain.IssueApiKeyAsync("agent"))!;
        var agentRevoked = (await grain.IssueApiKeyAsync("agent"))!;
        await grain.RevokeApiKeyAsync(agentRevoked.KeyId);
        var revoked = (await grain.IssueApiKeyAsync("worker"))!;
        await grain.RevokeApiKeyAsync(revoked.KeyId);
        var first = (await grain.IssueApiKeyAsync("worker"))!;

        // Within the age: the earlier active key stays, only the name's revoked one leaves the record.
        var second = await grain.IssueApiKeyRetiringOlderAsync("worker", TimeSpan.FromHours(1));
        var withinAge = await grain.ListApiKeysAsync();
        // Every earlier key of the name is older than no time at all.
        var third = await grain.IssueApiKeyRetiringOlderAsync("worker", TimeSpan.Zero);
        await cluster.DeactivateAsync(grain);
        var afterAge = await grain.ListApiKeysAsync();

        Assert.Equal([agent.KeyId, agentRevoked.KeyId, first.KeyId, second.KeyId], withinAge.Select(k => k.KeyId));
        Assert.Equal([false, true, false, false], withinAge.Select(k => k.Revoked));
        Assert.Equal([agent.KeyId, agentRevoked.KeyId, third.KeyId], afterAge.Select(k => k.KeyId));
        Assert.Equal([false, true, false], afterAge.Select(k => k.Revoked));
        var resolved = await Task.WhenAll(new[] { agent, revoked, first, second, third }
            .Select(k => cluster.Client.GetGrain<IApiKeyGrain>(ApiKeySecret.Hash(k.Secret)).ResolveTenantAsync()));
        Assert.Equal(new[] { "acme", null, null, null, "acme" }.AsEnumerable(), resolved.AsEnumerable());
        // The shards were given the active keys with the issue: a gateway that still has a retired key cached is refused.
        var shard = cluster.Client.GetGrain<ITenantIngestGrain>(StreamKeys.ForShard("acme", 0));
        var frames = GatewayFrames.Of(["{\"a\":1}"]);
        var batch = new IngestBatch(EventKind.Json, 1, frames, [], frames.Length);
        Assert.Equal(IngestOutcome.KeyRevoked, (await shard.IngestAsync(batch with { KeyHash = ApiKeySecret.Hash(second.Secret) })).Outcome);
        Assert.Equal(IngestOutcome.Stored, (await shard.IngestAsync(batch with { KeyHash = ApiKeySecret.Hash(third.Secret) })).Outcome);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.IssueApiKeyRetiringOlderAsync("worker", TimeSpan.FromSeconds(-1)));
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
    public async Task Configure_ValuesEqualToTheirTypesDefault_ReadBackAsSetNotAsInitializers()
    {
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-defaults");
        var grain = cluster.Client.GetGrain<ITenantGrain>("acme");
        // Each differs from its property's initializer and equals its type's default: 0 s (5 s), null ("host").
        var settings = new TenantSettings("Acme", Enabled: true)
        {
            Processing = new ProcessingSettings
            {
                Normalization = new NormalizationSettings { Json = new JsonFieldMapping { Host = null } },
                Ordering = new OrderingSettings { Enabled = true, LatenessWindow = TimeSpan.Zero },
            },
        };

        await grain.ConfigureAsync(settings);
        await cluster.DeactivateAsync(grain);
        var reloaded = await grain.GetProfileAsync();

        Assert.Equal(TimeSpan.Zero, reloaded.Settings?.Processing.Ordering.LatenessWindow);
        Assert.Null(reloaded.Settings?.Processing.Normalization.Json.Host);
        Assert.Equal(settings, reloaded.Settings);
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

    [Fact]
    public async Task Activate_LimitsStoredOutOfBounds_AreRepairedAndWrittenBack()
    {
        // What a PUT of 1e400 or 1e-300 stored before limits were checked: no answer could write it back.
        using var data = new TempDirectory();
        await using var cluster = await SqliteTestCluster.StartAsync(data.Path, "tenant-repair");
        var grain = cluster.Client.GetGrain<ITenantGrain>("legacy");
        var storage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Tenants);
        var stored = new TenantState
        {
            Settings = new TenantSettings("Legacy", Enabled: true) { Limits = new TenantLimits(double.PositiveInfinity, 1e-300, double.NaN) },
            Version = 3,
        };
        await storage.WriteStateAsync("tenant", grain.GetGrainId(), new GrainState<TenantState>(stored));

        var profile = await grain.GetProfileAsync();
        var reread = new GrainState<TenantState>(new TenantState());
        await storage.ReadStateAsync("tenant", grain.GetGrainId(), reread);

        Assert.Equal(new TenantLimits(TenantLimits.MaxEventsPerSecond, TenantLimits.MinRate, TenantLimits.Default.BurstSeconds), profile.Settings!.Limits);
        Assert.Equal(profile.Settings.Limits, reread.State!.Settings!.Limits);
        Assert.Empty(profile.Settings.Validate());
        Assert.Equal("Legacy", reread.State.Settings.DisplayName);
    }
}
