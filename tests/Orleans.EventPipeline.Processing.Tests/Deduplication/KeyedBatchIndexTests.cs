using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Deduplication;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Deduplication;

public sealed class KeyedBatchIndexTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    private LocalDirectoryArchiveStore Store => new(_directory.Path);

    [Fact]
    public async Task FindHandled_RecordedInThisActivation_FoundBeforePersisting()
    {
        var index = new KeyedBatchIndex(Store, "t", "t#1", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 10);

        var handled = await index.FindHandledAsync(batch, _time.GetUtcNow(), CancellationToken.None);

        Assert.True(handled.ContainsAll(0, 10));
        Assert.False(handled.Contains(10));
        Assert.True((await index.FindHandledAsync(Guid.NewGuid(), _time.GetUtcNow(), CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task FindHandled_AfterRestart_ReadsWhatWasPersistedSinceTheAttempt()
    {
        var attemptStarted = _time.GetUtcNow();
        var before = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        before.Record(batch, 0, 500);
        before.Record(batch, 500, 300);
        _time.Advance(TimeSpan.FromSeconds(3));
        await before.PersistAsync(41, Window, CancellationToken.None);
        Assert.Equal(0, before.PendingCount);

        _time.Advance(TimeSpan.FromHours(2));
        var after = new KeyedBatchIndex(Store, "t", "t", _time);
        var handled = await after.FindHandledAsync(batch, attemptStarted, CancellationToken.None);

        Assert.True(handled.ContainsAll(0, 800));
        // Another stream key's index is its own.
        Assert.True((await new KeyedBatchIndex(Store, "t", "t#2", _time).FindHandledAsync(batch, attemptStarted, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task FindHandled_PersistedLongBeforeTheAttemptStarted_NotRead()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 1);
        await index.PersistAsync(1, Window, CancellationToken.None);

        _time.Advance(KeyedBatchIndex.ClockSkew + TimeSpan.FromSeconds(1));
        var handled = await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(batch, _time.GetUtcNow(), CancellationToken.None);

        Assert.True(handled.IsEmpty);
    }

    [Fact]
    public async Task FindHandled_AttemptStartedAtTheStartOfTime_ReadsEverythingWithoutThrowing()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 2);
        await index.PersistAsync(1, Window, CancellationToken.None);

        var handled = await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(batch, DateTimeOffset.MinValue, CancellationToken.None);

        Assert.True(handled.ContainsAll(0, 2));
    }

    [Fact]
    public async Task Persist_ObjectsOlderThanTheWindow_Deleted()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var old = Guid.NewGuid();
        var started = _time.GetUtcNow();
        index.Record(old, 0, 1);
        await index.PersistAsync(1, Window, CancellationToken.None);

        _time.Advance(Window + KeyedBatchIndex.ClockSkew + TimeSpan.FromHours(1));
        index.Record(Guid.NewGuid(), 0, 1);
        await index.PersistAsync(2, Window, CancellationToken.None);

        var names = new List<string>();
        await foreach (var name in Store.ListAsync(KeyedBatchIndex.Root, CancellationToken.None))
        {
            names.Add(name);
        }

        Assert.Single(names);
        Assert.True((await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(old, started, CancellationToken.None)).IsEmpty);
    }

    public void Dispose() => _directory.Dispose();
}
