using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// A dead-letter replay that fails after it archived the letters that passed: they stay kept, so their archive object
/// goes too, or they would be archived and, once past the bounds, stored as past letters as well.
/// </summary>
public sealed class DeadLetterReplayFailureTests : IAsyncLifetime, IDisposable
{
    private const string Tenant = "refused";
    private readonly TempDirectory _archive = new();
    private readonly RefusingStore _store;
    private InProcessTestCluster _cluster = null!;

    public DeadLetterReplayFailureTests() => _store = new RefusingStore(new LocalDirectoryArchiveStore(_archive.Path));

    public async Task InitializeAsync() =>
        _cluster = await ProcessingTestCluster.StartAsync(_archive.Path, configureSilo: silo => silo.Services.AddSingleton<IArchiveStore>(_store));

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

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();

    private async Task<List<string>> ArchivedAsync()
    {
        var bodies = new List<string>();
        await foreach (var name in _store.ListAsync(Tenant + "/", CancellationToken.None))
        {
            await using var file = await _store.OpenReadAsync(name, CancellationToken.None);
            bodies.AddRange((await ArchiveFormat.DecodeAsync(file!, CancellationToken.None)).Select(static e => e.Body));
        }

        return bodies;
    }

    /// <summary>The local store, refusing writes of one object name while <see cref="Refused"/> names it.</summary>
    private sealed class RefusingStore(IArchiveStore inner) : IArchiveStore
    {
        public volatile string? Refused;

        public Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            name == Refused ? throw new IOException($"{name} refused by the test") : inner.WriteAsync(name, content, cancellationToken);

        public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public Task DeleteAsync(string name, CancellationToken cancellationToken) => inner.DeleteAsync(name, cancellationToken);
    }
}
