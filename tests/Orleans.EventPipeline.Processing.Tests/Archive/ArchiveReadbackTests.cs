using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Audit;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

/// <summary>
/// The reader the load tool measures the archive's lag with: an object's first-seen time is when a
/// listing first showed it, so time the reader spends elsewhere (decoding, or not reading at all while
/// the load runs) never makes the pipeline look late.
/// </summary>
public sealed class ArchiveReadbackTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly LocalDirectoryArchiveStore _store;
    private readonly FakeTimeProvider _time = new(Start);

    public ArchiveReadbackTests() => _store = new LocalDirectoryArchiveStore(_directory.Path);

    [Fact]
    public async Task ReadAsync_ObjectTheWatchListedEarlier_KeepsTheWatchsTime()
    {
        var readback = new ArchiveReadback<string>(_store, static e => e.EventId, Start, _time);
        await ArchiveAsync("first", sequence: 1);
        using var watching = new CancellationTokenSource();
        // The local store lists synchronously: the first listing is done when the call returns.
        var watch = readback.WatchAsync(["tenant-a"], TimeSpan.FromHours(1), watching.Token);

        _time.Advance(TimeSpan.FromSeconds(45));
        await ArchiveAsync("second", sequence: 2);
        var objects = await readback.ReadAsync("tenant-a", again: false, CancellationToken.None);
        await watching.CancelAsync();
        await watch;

        Assert.Equal([("first", Start), ("second", Start.AddSeconds(45))], objects.Select(static o => (o.Events.Single(), o.FirstSeen)));
    }

    [Fact]
    public async Task ReadAsync_Again_DecodesAgainAndKeepsTheFirstTime()
    {
        var readback = new ArchiveReadback<string>(_store, static e => e.EventId, Start, _time);
        await ArchiveAsync("only", sequence: 1);
        var first = await readback.ReadAsync("tenant-a", again: false, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(3));
        var again = await readback.ReadAsync("tenant-a", again: true, CancellationToken.None);

        Assert.Equal(Start, Assert.Single(first).FirstSeen);
        Assert.Equal(Start, Assert.Single(again).FirstSeen);
        Assert.NotSame(first[0].Events, again[0].Events);
    }

    public void Dispose() => _directory.Dispose();

    private async Task ArchiveAsync(string id, long sequence)
    {
        using var writer = new ArchiveWriter(_store, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), _time, NullLogger.Instance);
        writer.Add([TestEvents.At(Start, id)], sequence);
        await writer.FlushAsync(CancellationToken.None);
    }
}
