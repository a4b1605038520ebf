using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Storage;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// <see cref="DeadLetterGrain"/> over an archive store that refuses chosen writes and listings, at most 3 letters kept: a
/// failure part way through a replay or a trim leaves each letter in one place.
/// </summary>
public sealed class DeadLetterStoreFailureTests : IAsyncLifetime, IDisposable
{
    private const string Tenant = "refused";
    private readonly TempDirectory _archive = new();
    private readonly RefusingStore _store;
    private InProcessTestCluster _cluster = null!;

    public DeadLetterStoreFailureTests() => _store = new RefusingStore(new LocalDirectoryArchiveStore(_archive.Path));

    public async Task InitializeAsync() =>
        _cluster = await ProcessingTestCluster.StartAsync(
            _archive.Path, static options => options.RetainedDeadLetters = 3, configureSilo: silo => silo.Services.AddSingleton<IArchiveStore>(_store));

    [Fact]
    public async Task ReplayAsync_ItsKeptObjectCannotBeWritten_LeavesNothingArchivedAndArchivesOnceWhenRepeated()
    {
        // The tenant has no settings: "line 0" passes as plain text, the blank letter still fails and is kept again.
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, Tenant));
        await stream.OnNextAsync(new DeadLetterBatch(Tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, "normalize",
            [new DeadLetter(0, "CEF: not CEF", Encoding.UTF8.GetBytes("line 0")), new DeadLetter(1, "CEF: not CEF", Encoding.UTF8.GetBytes("   "))]));
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>(Tenant);
        await Poll.UntilAsync(() => grain.GetSummaryAsync(0).GetAwaiter().GetResult().Total == 2, TimeSpan.FromSeconds(30), () => "the letters were never counted");

        // The replay's new kept object (the batch's was 0) cannot be written.
        _store.Refused = DeadLetterStore.NameOf(Tenant, 1);
        await Assert.ThrowsAnyAsync<Exception>(grain.ReplayAsync);
        var afterFailure = await ArchivedAsync();
        _store.Refused = null;
        var repeated = await grain.ReplayAsync();
        var afterRepeat = await ArchivedAsync();
        var summary = await grain.GetSummaryAsync(10);

        Assert.Empty(afterFailure);
        Assert.Equal(1, repeated.Replayed);
        Assert.Equal(["line 0"], afterRepeat);
        Assert.Equal(1, summary.Retained);
    }

    [Fact]
    public async Task ReplayAsync_TheStoreFailsAfterItsArchiveObjectIsWritten_TakesTheObjectBack()
    {
        var grain = await LetterAsync("line 0", counted: 1);

        // The archive writer lists the object's hour folder once before the write and once after it (the objects it
        // supersedes): the second listing fails, after "line 0" was archived.
        _store.ListsBeforeRefusal(Tenant + "/", 1);
        await Assert.ThrowsAnyAsync<Exception>(grain.ReplayAsync);
        _store.ListsBeforeRefusal(null, 0);
        var afterFailure = await ArchivedAsync();
        await grain.ReplayAsync();

        Assert.Empty(afterFailure);
        Assert.Equal(["line 0"], await ArchivedAsync());
        Assert.Equal(0, (await grain.GetSummaryAsync(10)).Retained);
    }

    [Fact]
    public async Task ReplayAsync_SiloKilledBetweenItsArchiveWriteAndItsStateWrite_TheNextActivationTakesTheObjectBack()
    {
        var grain = await LetterAsync("line 0", counted: 1);

        // The replay's archive object is written, and the replay goes no further: what kill -9 at that point leaves is the
        // saved state and the files on disk, taken here and given to a second cluster, as a silo restarted over them.
        var replay = grain.ReplayAsync();
        var written = await _store.HoldAfterWriteAsync("~replay", TimeSpan.FromSeconds(30));
        var storage = _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Tenants);
        var saved = new GrainState<DeadLetterState>(new DeadLetterState());
        await storage.ReadStateAsync("deadletters", grain.GetGrainId(), saved);
        using var killed = new TempDirectory();
        CopyDirectory(_archive.Path, killed.Path);
        var restartedStore = new LocalDirectoryArchiveStore(killed.Path);
        var archivedAtKill = await ArchivedAsync(restartedStore);

        await using var restarted = await ProcessingTestCluster.StartAsync(
            killed.Path, static options => options.RetainedDeadLetters = 3, configureSilo: silo => silo.Services.AddSingleton<IArchiveStore>(restartedStore));
        var again = restarted.Client.GetGrain<IDeadLetterGrain>(Tenant);
        await restarted.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Tenants)
            .WriteStateAsync("deadletters", again.GetGrainId(), saved);
        var afterRestart = await again.GetSummaryAsync(10);
        var archivedAfterRestart = await ArchivedAsync(restartedStore);
        var repeated = await again.ReplayAsync();
        var archivedAfterRepeat = await ArchivedAsync(restartedStore);
        _store.Release();
        await Assert.ThrowsAnyAsync<Exception>(() => replay);

        Assert.Contains("~replay", written, StringComparison.Ordinal);
        Assert.Equal(["line 0"], archivedAtKill);
        Assert.Equal(1, afterRestart.Retained);
        Assert.Empty(archivedAfterRestart);
        Assert.Equal(1, repeated.Replayed);
        Assert.Equal(["line 0"], archivedAfterRepeat);
        Assert.Equal(0, (await again.GetSummaryAsync(10)).Retained);
    }

    [Fact]
    public async Task ReplayAsync_ItsObjectCannotBeTakenBack_TheGrainGoesOnAndTheNextReplayTakesItBackFirst()
    {
        var grain = await LetterAsync("line 0", counted: 1);

        // The replay fails after its archive write (as above), and the store refuses to delete its object, then and at the
        // grain's next activation: an archive that keeps what it was given, or credentials without the right to delete.
        _store.RefuseDeletesContaining = "~replay";
        _store.ListsBeforeRefusal(Tenant + "/", 1);
        await Assert.ThrowsAnyAsync<Exception>(grain.ReplayAsync);
        _store.ListsBeforeRefusal(null, 0);
        await LetterAsync("line 1", counted: 2);
        var refusedReplay = await Record.ExceptionAsync(grain.ReplayAsync);
        var archivedWhileRefused = await ArchivedAsync();
        _store.RefuseDeletesContaining = null;
        var replayed = await grain.ReplayAsync();

        Assert.NotNull(refusedReplay);
        Assert.Equal(["line 0"], archivedWhileRefused);
        Assert.Equal(2, replayed.Replayed);
        Assert.Equal(["line 0", "line 1"], (await ArchivedAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(0, (await grain.GetSummaryAsync(10)).Retained);
    }

    [Fact]
    public async Task DeadLetterStream_ThePastObjectCannotBeWrittenAtFirst_TheRedeliveryWritesItOnce()
    {
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, Tenant));
        // The fourth letter pushes "line 0" past the bound of 3; its past object is refused once, so the delivery fails
        // after the batch's kept object was written, and the stream delivers the batch again.
        _store.RefuseOnce(DeadLetterStore.PastNameOf(Tenant, 0));
        for (var i = 0; i < 4; i++)
        {
            await stream.OnNextAsync(new DeadLetterBatch(Tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, "normalize",
                [new DeadLetter(i, "CEF: not CEF", Encoding.UTF8.GetBytes($"line {i}"))]));
        }

        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>(Tenant);
        await Poll.UntilAsync(() => grain.GetSummaryAsync(0).GetAwaiter().GetResult().Total == 4, TimeSpan.FromSeconds(60), () => "the letters were never all counted");
        var summary = await grain.GetSummaryAsync(10);
        var past = await grain.ReadPastAsync(-1, 100);

        Assert.True(_store.Refusals >= 1, "the past object was never refused");
        Assert.Equal(1, summary.Past);
        Assert.Equal(["line 3", "line 2", "line 1"], summary.Recent.Select(static l => Encoding.UTF8.GetString(l.Raw)));
        Assert.Equal(["line 0"], past.Objects.SelectMany(static o => o.Letters).Select(static l => Encoding.UTF8.GetString(l.Raw)));
        Assert.Null(past.Next);
    }

    [Fact]
    public async Task Activate_AStateThatLostItsPastCounter_GoesOnAfterItsPastObjectsNotOverOneAFailedDeliveryLeft()
    {
        // What an earlier build leaves when it rewrites the state during an upgrade: letters went past (Dropped), the
        // delivery through stream position 5 counted, and no past counter. Past object 0 was written and counted before.
        const string tenant = "lost-counter";
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>(tenant);
        var storage = _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(PipelineStorage.Tenants);
        await DeadLetterStore.WritePastAsync(_store, tenant, 0, 5, [new RetainedDeadLetter(Guid.CreateVersion7(), 0, DateTimeOffset.UtcNow, "normalize", "old", Encoding.UTF8.GetBytes("old"))], CancellationToken.None);
        await storage.WriteStateAsync("deadletters", grain.GetGrainId(), new GrainState<DeadLetterState>(new DeadLetterState { Dropped = 1, CountedThrough = 5 }));

        // One batch of 1,005 letters: 1,002 go past, in past objects of 1,000 and 2; the second is refused once, so the
        // first is left written by a delivery whose state write never came, and the batch is delivered again.
        _store.RefuseOnce(DeadLetterStore.PastNameOf(tenant, 2));
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, tenant));
        await stream.OnNextAsync(new DeadLetterBatch(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, "normalize",
            [.. Enumerable.Range(0, 1_005).Select(static i => new DeadLetter(i, "CEF: not CEF", Encoding.UTF8.GetBytes($"line {i}")))]));
        await Poll.UntilAsync(() => grain.GetSummaryAsync(0).GetAwaiter().GetResult().Total == 1_005, TimeSpan.FromSeconds(60), () => "the letters were never counted");
        var read = new List<string>();
        long? after = -1;
        while (after is { } from)
        {
            var page = await grain.ReadPastAsync(from, 10_000);
            read.AddRange(page.Objects.SelectMany(static o => o.Letters).Select(static l => Encoding.UTF8.GetString(l.Raw)));
            after = page.Next;
        }

        Assert.True(_store.Refusals >= 1, "the second past object was never refused");
        Assert.Equal(1_003, (await grain.GetSummaryAsync(0)).Past);
        Assert.Equal(["old", .. Enumerable.Range(0, 1_002).Select(static i => $"line {i}")], read);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();

    /// <summary>One normalize letter of the test's tenant, once the grain has counted <paramref name="counted"/> in all.</summary>
    private async Task<IDeadLetterGrain> LetterAsync(string line, long counted)
    {
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, Tenant));
        await stream.OnNextAsync(new DeadLetterBatch(Tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, "normalize",
            [new DeadLetter(0, "CEF: not CEF", Encoding.UTF8.GetBytes(line))]));
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>(Tenant);
        await Poll.UntilAsync(() => grain.GetSummaryAsync(0).GetAwaiter().GetResult().Total == counted, TimeSpan.FromSeconds(30), () => $"{counted} letters were never counted");
        return grain;
    }

    private Task<List<string>> ArchivedAsync() => ArchivedAsync(_store);

    private static async Task<List<string>> ArchivedAsync(IArchiveStore store)
    {
        var bodies = new List<string>();
        await foreach (var name in store.ListAsync(Tenant + "/", CancellationToken.None))
        {
            await using var file = await store.OpenReadAsync(name, CancellationToken.None);
            bodies.AddRange((await ArchiveFormat.DecodeAsync(file!, CancellationToken.None)).Select(static e => e.Body));
        }

        return bodies;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>
    /// The local store, refusing writes of one object name while <see cref="Refused"/> names it, a write of another name
    /// once, and listings under a prefix after a number of them; and holding the caller of a write, once it is stored, until
    /// <see cref="Release"/> (<see cref="HoldAfterWriteAsync"/>), which then fails it.
    /// </summary>
    private sealed class RefusingStore(IArchiveStore inner) : IArchiveStore
    {
        private readonly Lock _lock = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _refuseOnce;
        private string? _listPrefix;
        private int _listsLeft;
        private string? _holdContaining;
        private TaskCompletionSource<string>? _held;

        /// <summary>Holds the next write of a name containing <paramref name="containing"/> once stored; returns that name.</summary>
        public async Task<string> HoldAfterWriteAsync(string containing, TimeSpan timeout)
        {
            var held = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                (_holdContaining, _held) = (containing, held);
            }

            return await held.Task.WaitAsync(timeout);
        }

        public void Release() => _released.TrySetResult();

        /// <summary>Deletes of names containing this are refused while it is set.</summary>
        public volatile string? RefuseDeletesContaining;

        public volatile string? Refused;

        public int Refusals { get; private set; }

        public void RefuseOnce(string name)
        {
            lock (_lock)
            {
                _refuseOnce = name;
            }
        }

        public void ListsBeforeRefusal(string? prefix, int lists)
        {
            lock (_lock)
            {
                (_listPrefix, _listsLeft) = (prefix, lists);
            }
        }

        public Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (name == Refused || name == _refuseOnce)
                {
                    _refuseOnce = null;
                    Refusals++;
                    throw new IOException($"{name} refused by the test");
                }
            }

            return WriteThenHoldAsync(name, content, cancellationToken);
        }

        private async Task WriteThenHoldAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(name, content, cancellationToken);
            TaskCompletionSource<string>? held;
            lock (_lock)
            {
                held = _holdContaining is { } containing && name.Contains(containing, StringComparison.Ordinal) ? _held : null;
                if (held is not null)
                {
                    (_holdContaining, _held) = (null, null);
                }
            }

            if (held is not null)
            {
                held.SetResult(name);
                await _released.Task;
                throw new IOException($"{name}: the test stopped its writer here");
            }
        }

        public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_listPrefix is not null && prefix.StartsWith(_listPrefix, StringComparison.Ordinal) && _listsLeft-- <= 0)
                {
                    throw new IOException($"listing {prefix} refused by the test");
                }
            }

            return inner.ListAsync(prefix, cancellationToken);
        }

        public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public Task DeleteAsync(string name, CancellationToken cancellationToken) =>
            RefuseDeletesContaining is { } refused && name.Contains(refused, StringComparison.Ordinal)
                ? throw new IOException($"the delete of {name} refused by the test")
                : inner.DeleteAsync(name, cancellationToken);
    }
}
