using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>
/// <see cref="DeadLetterGrain"/> in an in-process cluster: memory streams stand in for Event Hubs, the
/// archive is a temporary directory, and at most 3 letters are kept.
/// </summary>
public sealed class DeadLetterGrainTests : IAsyncLifetime, IDisposable
{
    private const int Retained = 3;
    private const string Stage = "normalize";
    private readonly TempDirectory _archive = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ProcessingTestCluster.StartAsync(_archive.Path, static options => options.RetainedDeadLetters = Retained);

    [Fact]
    public async Task DeadLetterStream_MoreLettersThanKept_AllCountedNewestKeptOlderPast()
    {
        await SendAsync("count", 7);
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>("count");

        var summary = await WaitForTotalAsync(grain, 7);
        // A past object the saved state does not count (one a failed state write would leave) is not read.
        var store = new LocalDirectoryArchiveStore(_archive.Path);
        await DeadLetterStore.WritePastAsync(store, "count", 4, long.MaxValue, [new RetainedDeadLetter(Guid.Empty, 0, DateTimeOffset.UtcNow, Stage, "uncounted", Encoding.UTF8.GetBytes("uncounted"))], CancellationToken.None);
        var (past, pages) = await PastPagesAsync(grain);

        Assert.Equal(7, summary.Counts[Stage]);
        Assert.Equal(Retained, summary.Retained);
        Assert.Equal(4, summary.Past);
        Assert.Equal(["line 6", "line 5", "line 4"], summary.Recent.Select(static l => Encoding.UTF8.GetString(l.Raw)));
        // Past the bounds is not gone: the older letters are past, each once, read back in order, two a page.
        Assert.Equal(["line 0", "line 1", "line 2", "line 3"], past);
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task ReplayAsync_AnObjectWithPastLetters_LeavesExactlyThosePastLettersStored()
    {
        const string tenant = "cut";
        // One dead-letter batch of 5: one object, its first 2 letters past the bound of 3.
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, tenant));
        await stream.OnNextAsync(new DeadLetterBatch(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, Stage,
            [.. Enumerable.Range(0, 5).Select(static i => new DeadLetter(i, "CEF: not CEF", Encoding.UTF8.GetBytes($"line {i}")))]));
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>(tenant);
        await WaitForTotalAsync(grain, 5);

        // The tenant has no settings: the defaults read any non-blank line as plain text, so the 3 kept letters pass.
        var replay = await grain.ReplayAsync();
        var summary = await grain.GetSummaryAsync(10);
        var store = new LocalDirectoryArchiveStore(_archive.Path);
        var archived = new List<string>();
        await foreach (var name in store.ListAsync(tenant + "/", CancellationToken.None))
        {
            await using var file = await store.OpenReadAsync(name, CancellationToken.None);
            archived.AddRange((await ArchiveFormat.DecodeAsync(file!, CancellationToken.None)).Select(static e => e.Body));
        }

        Assert.Equal(3, replay.Replayed);
        Assert.Equal(0, summary.Retained);
        Assert.Equal(2, summary.Past);
        Assert.Equal(["line 2", "line 3", "line 4"], archived.Order(StringComparer.Ordinal));
        // The replayed letters left the dead letters (they are archived now); the past ones stayed, and the kept object went.
        Assert.Equal(["line 0", "line 1"], await PastAsync(grain));
        Assert.Equal([DeadLetterStore.PastNameOf(tenant, 0)], await NamesAsync(store, DeadLetterStore.FolderOf(tenant)));
    }

    [Fact]
    public async Task ReplayAsync_TwiceAfterLettersPass_ArchivesThemOnceAndKeepsNone()
    {
        await SendAsync("replay", 2);
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>("replay");
        await WaitForTotalAsync(grain, 2);

        // The tenant has no settings: the defaults read any non-blank line as plain text.
        var first = await grain.ReplayAsync();
        var second = await grain.ReplayAsync();
        var store = new LocalDirectoryArchiveStore(_archive.Path);
        var names = new List<string>();
        await foreach (var name in store.ListAsync("replay/", CancellationToken.None))
        {
            names.Add(name);
        }

        Assert.Equal(2, first.Replayed);
        Assert.Equal(0, second.Replayed);
        Assert.Null(second.ArchiveObject);
        var archived = Assert.Single(names);
        Assert.Equal(first.ArchiveObject, archived);
        Assert.Contains("/replay~replay-00000000000000000000-", archived, StringComparison.Ordinal);
        Assert.Equal(0, (await grain.GetSummaryAsync(10)).Retained);
    }

    [Fact]
    public async Task DeadLetterStream_ProcessorResendsAfterACrash_EachSourceCountedOnce()
    {
        const string tenant = "resend";
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, tenant));
        var batch = Guid.CreateVersion7();
        async Task SendAsync(string streamKey, long sequence, int part, int index) =>
            await stream.OnNextAsync(new DeadLetterBatch(tenant, batch, DateTimeOffset.UtcNow, Stage, [new DeadLetter(index, "CEF: not CEF", Encoding.UTF8.GetBytes($"line {index}"))])
            {
                Source = new DeadLetterSource(streamKey, sequence, part),
            });

        await SendAsync(tenant, 7, 0, 0);
        await SendAsync(tenant, 7, 1, 1);
        // A processor restarted before it recorded sequence 7 sends both again, then goes on.
        await SendAsync(tenant, 7, 0, 0);
        await SendAsync(tenant, 7, 1, 1);
        await SendAsync(tenant, 8, 0, 2);
        // Another stream key of the tenant has its own positions.
        await SendAsync(tenant + "#1", 3, 0, 3);
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>(tenant);

        var summary = await WaitForTotalAsync(grain, 4);
        // The last letter sent has been counted, so the repeats before it were seen and skipped.
        Assert.Contains(summary.Recent, static l => Encoding.UTF8.GetString(l.Raw) == "line 3");

        Assert.Equal(4, summary.Total);
        Assert.Equal(["line 3", "line 2", "line 1"], summary.Recent.Select(static l => Encoding.UTF8.GetString(l.Raw)));
    }

    [Fact]
    public async Task DeadLetterStream_KeyedRequestRetried_ItsLettersCountedOnce()
    {
        const string tenant = "keyed";
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, tenant));
        var retried = Guid.CreateVersion7();
        var next = Guid.CreateVersion7();
        async Task SendAsync(Guid batch, params int[] indexes) =>
            await stream.OnNextAsync(new DeadLetterBatch(tenant, batch, DateTimeOffset.UtcNow, "ingest", [.. indexes.Select(i => new DeadLetter(i, "not UTF-8", Encoding.UTF8.GetBytes($"{batch:N} {i}")))])
            {
                Keyed = true,
            });

        // A request's letters in two messages; the silo died before the 200, and the client's retry
        // (same Idempotency-Key, so the same batch id) sends both again; then the client's next request.
        await SendAsync(retried, 0, 1);
        await SendAsync(retried, 2);
        await SendAsync(retried, 0, 1);
        await SendAsync(retried, 2);
        await SendAsync(next, 0);
        var grain = _cluster.Client.GetGrain<IDeadLetterGrain>(tenant);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        var summary = await grain.GetSummaryAsync(10);
        while (!summary.Recent.Any(l => l.BatchId == next) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
            summary = await grain.GetSummaryAsync(10);
        }

        Assert.Contains(summary.Recent, l => l.BatchId == next);
        Assert.Equal(4, summary.Total);
        Assert.Equal(4, summary.Counts["ingest"]);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _archive.Dispose();

    private async Task SendAsync(string tenant, int letters)
    {
        var stream = _cluster.Client.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<DeadLetterBatch>(StreamId.Create(PipelineStreams.DeadLetter, tenant));
        for (var i = 0; i < letters; i++)
        {
            var letter = new DeadLetter(i, "CEF: not CEF", Encoding.UTF8.GetBytes($"line {i}"));
            await stream.OnNextAsync(new DeadLetterBatch(tenant, Guid.CreateVersion7(), DateTimeOffset.UtcNow, Stage, [letter]));
        }
    }

    /// <summary>The raw text of every past letter of <paramref name="grain"/>'s tenant, oldest first, read two letters a page.</summary>
    private static async Task<List<string>> PastAsync(IDeadLetterGrain grain) => (await PastPagesAsync(grain)).Letters;

    private static async Task<(List<string> Letters, int Pages)> PastPagesAsync(IDeadLetterGrain grain)
    {
        var letters = new List<string>();
        var pages = 0;
        long? after = -1;
        while (after is { } from)
        {
            var page = await grain.ReadPastAsync(from, maxLetters: 2);
            pages++;
            letters.AddRange(page.Objects.SelectMany(static o => o.Letters).Select(static l => Encoding.UTF8.GetString(l.Raw)));
            after = page.Next;
        }

        return (letters, pages);
    }

    private static async Task<List<string>> NamesAsync(LocalDirectoryArchiveStore store, string prefix)
    {
        var names = new List<string>();
        await foreach (var name in store.ListAsync(prefix, CancellationToken.None))
        {
            names.Add(name);
        }

        return names;
    }

    private static async Task<DeadLetterSummary> WaitForTotalAsync(IDeadLetterGrain grain, long total)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var summary = await grain.GetSummaryAsync(10);
            if (summary.Total >= total || DateTime.UtcNow > deadline)
            {
                return summary;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
