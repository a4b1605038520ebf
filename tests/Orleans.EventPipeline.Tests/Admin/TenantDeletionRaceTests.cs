using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Silo.Admin;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// <see cref="TenantDeletion"/> with <c>data=remove</c> held after it listed the tenant's archive (a tenant of many objects
/// takes that long), while other admin calls come: each leaves the tenant whole or gone, and its data with it (helper-105).
/// </summary>
public sealed class TenantDeletionRaceTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _archive = new();
    private readonly HoldingStore _store;
    private InProcessTestCluster _cluster = null!;

    public TenantDeletionRaceTests() => _store = new HoldingStore(new LocalDirectoryArchiveStore(_archive.Path));

    public async Task InitializeAsync() =>
        _cluster = await ProcessingTestCluster.StartAsync(_archive.Path, configureSilo: silo => silo.Services.AddSingleton<IArchiveStore>(_store));

    [Fact]
    public async Task Delete_TheTenantChangedAfterItsFirstStep_IsNotDeletedByItsLastStep()
    {
        const string tenantId = "changed-meanwhile";
        var tenant = _cluster.Client.GetGrain<ITenantGrain>(tenantId);
        await tenant.ConfigureAsync(new TenantSettings("Before", Enabled: true));
        await WriteArchiveObjectAsync(tenantId);
        var held = _store.HoldFirstDeleteUnder(tenantId + "/");

        var deleting = TenantDeletion.DeleteAsync(_cluster.Client, _store, tenantId, TenantDataChoice.Remove, TenantCondition.None, CancellationToken.None);
        await held.WaitAsync(Deadline);
        var disabled = await tenant.GetProfileAsync();
        var changed = await tenant.ConfigureAsync(new TenantSettings("Changed during the delete", Enabled: false), new TenantCondition(IfVersion: disabled.Version));
        _store.Release();
        var (outcome, deleted) = await deleting;
        var after = await tenant.GetProfileAsync();

        Assert.Equal(TenantChangeOutcome.Done, changed.Outcome);
        // Before, the last step deleted whatever the tenant was by then: the change was answered 200 and then lost.
        Assert.Equal(TenantChangeOutcome.VersionMismatch, outcome.Outcome);
        Assert.Null(deleted);
        Assert.True(after.Exists);
        Assert.Equal("Changed during the delete", after.Settings!.DisplayName);
    }

    [Fact]
    public async Task Delete_AReplayOfItsDeadLettersMeanwhile_LeavesNoArchiveObject()
    {
        // The tenant has default settings: "line 0" passes as plain text when replayed.
        const string tenantId = "replayed-meanwhile";
        var tenant = _cluster.Client.GetGrain<ITenantGrain>(tenantId);
        await tenant.ConfigureAsync(new TenantSettings("Replayed", Enabled: true));
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, tenantId));
        await stream.OnNextAsync(new DeadLetterBatch(tenantId, Guid.CreateVersion7(), DateTimeOffset.UtcNow, "normalize",
            [new DeadLetter(0, "CEF: not CEF", Encoding.UTF8.GetBytes("line 0"))]));
        var letters = _cluster.Client.GetGrain<IDeadLetterGrain>(tenantId);
        await Poll.UntilAsync(() => letters.GetSummaryAsync(0).GetAwaiter().GetResult().Total == 1, Deadline, () => "the letter was never counted");
        await WriteArchiveObjectAsync(tenantId);
        var held = _store.HoldFirstDeleteUnder(tenantId + "/");

        var deleting = TenantDeletion.DeleteAsync(_cluster.Client, _store, tenantId, TenantDataChoice.Remove, TenantCondition.None, CancellationToken.None);
        await held.WaitAsync(Deadline);
        var replay = await letters.ReplayAsync();
        _store.Release();
        var (outcome, deleted) = await deleting;
        var left = await ListAsync(tenantId + "/");

        Assert.Equal(TenantChangeOutcome.Done, outcome.Outcome);
        Assert.Equal(1, deleted!.DeadLettersRemoved);
        // Before, the replay archived "line 0" after the listing, and a tenant created again under the id read it.
        Assert.Equal(0, replay.Replayed);
        Assert.Empty(left);
    }

    [Fact]
    public async Task Delete_AnotherDeleteFinishedAndTheTenantCreatedAgainMeanwhile_LeavesTheNewTenantsDeadLetters()
    {
        const string tenantId = "created-again";
        var tenant = _cluster.Client.GetGrain<ITenantGrain>(tenantId);
        await tenant.ConfigureAsync(new TenantSettings("Old", Enabled: true));
        await WriteArchiveObjectAsync(tenantId);
        var held = _store.HoldFirstDeleteUnder(tenantId + "/");
        var first = TenantDeletion.DeleteAsync(_cluster.Client, _store, tenantId, TenantDataChoice.Remove, TenantCondition.None, CancellationToken.None);
        await held.WaitAsync(Deadline);
        // A client's retry of the same DELETE finishes; the tenant is created again and has a dead letter of its own.
        var (second, _) = await TenantDeletion.DeleteAsync(_cluster.Client, _store, tenantId, TenantDataChoice.Remove, TenantCondition.None, CancellationToken.None);
        await tenant.ConfigureAsync(new TenantSettings("New", Enabled: true), new TenantCondition(IfAbsent: true));
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, tenantId));
        await stream.OnNextAsync(new DeadLetterBatch(tenantId, Guid.CreateVersion7(), DateTimeOffset.UtcNow, "normalize",
            [new DeadLetter(0, "CEF: not CEF", Encoding.UTF8.GetBytes("the new tenant's line"))]));
        var letters = _cluster.Client.GetGrain<IDeadLetterGrain>(tenantId);
        await Poll.UntilAsync(() => letters.GetSummaryAsync(0).GetAwaiter().GetResult().Total == 1, Deadline, () => "the letter was never counted");
        _store.Release();
        var (outcome, deleted) = await first;
        var summary = await letters.GetSummaryAsync(10);

        Assert.Equal(TenantChangeOutcome.Done, second.Outcome);
        Assert.Equal(TenantChangeOutcome.VersionMismatch, outcome.Outcome);
        Assert.Null(deleted);
        Assert.Equal("New", (await tenant.GetProfileAsync()).Settings!.DisplayName);
        // Before, the first delete's later steps deleted the new tenant's dead-letter object (helper-107): counted, unreadable.
        Assert.Equal(["the new tenant's line"], summary.Recent.Select(static l => Encoding.UTF8.GetString(l.Raw)));
    }

    [Fact]
    public async Task Delete_FilesUnderTheTenantsFolderTheArchiveDidNotWrite_AreLeft()
    {
        // A local archive directory above another silo's data directory named like a tenant: deleting the tenant with its
        // data deleted that silo's grains.db and partition logs (helper-107).
        const string tenantId = "t1";
        var tenant = _cluster.Client.GetGrain<ITenantGrain>(tenantId);
        await tenant.ConfigureAsync(new TenantSettings("Beside a data directory", Enabled: true));
        await WriteArchiveObjectAsync(tenantId);
        await _store.WriteAsync("t1/grains.db", new byte[] { 1 }, CancellationToken.None);
        await _store.WriteAsync("t1/eventhubs/events/0/00000000000000000000.log", new byte[] { 1 }, CancellationToken.None);

        var (outcome, deleted) = await TenantDeletion.DeleteAsync(_cluster.Client, _store, tenantId, TenantDataChoice.Remove, TenantCondition.None, CancellationToken.None);

        Assert.Equal(TenantChangeOutcome.Done, outcome.Outcome);
        Assert.Equal(1, deleted!.ArchiveObjectsRemoved);
        Assert.Equal(["t1/eventhubs/events/0/00000000000000000000.log", "t1/grains.db"], (await ListAsync(tenantId + "/")).Order(StringComparer.Ordinal));
    }

    public async Task DisposeAsync()
    {
        _store.Release();
        await _cluster.DisposeAsync();
    }

    public void Dispose() => _archive.Dispose();

    // An object the delete lists and deletes (its content is not read).
    private Task WriteArchiveObjectAsync(string tenantId) =>
        _store.WriteAsync(new ArchiveObjectName(tenantId, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), tenantId, 0, 0).Name, new byte[] { 1 }, CancellationToken.None);

    private async Task<List<string>> ListAsync(string prefix)
    {
        var names = new List<string>();
        await foreach (var name in _store.ListAsync(prefix, CancellationToken.None))
        {
            names.Add(name);
        }

        return names;
    }

    /// <summary>The local store, holding the first delete of a name under a prefix (the listing is done by then) until <see cref="Release"/>.</summary>
    private sealed class HoldingStore(IArchiveStore inner) : IArchiveStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private string? _prefix;
        private TaskCompletionSource? _reached;

        /// <summary>Completes when the first delete under <paramref name="prefix"/> is held.</summary>
        public Task HoldFirstDeleteUnder(string prefix)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                (_prefix, _reached) = (prefix, reached);
            }

            return reached.Task;
        }

        public void Release() => _released.TrySetResult();

        public async Task DeleteAsync(string name, CancellationToken cancellationToken)
        {
            TaskCompletionSource? reached = null;
            lock (_lock)
            {
                if (_prefix is { } prefix && name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    (reached, _prefix, _reached) = (_reached, null, null);
                }
            }

            if (reached is not null)
            {
                reached.SetResult();
                await _released.Task;
            }

            await inner.DeleteAsync(name, cancellationToken);
        }

        public Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.WriteAsync(name, content, cancellationToken);

        public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);
    }
}
