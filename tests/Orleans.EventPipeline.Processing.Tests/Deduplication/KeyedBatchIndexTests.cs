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

    // A stream position after every batch these tests record: the retry asking comes later in the stream.
    private const long Later = 1_000;

    private LocalDirectoryArchiveStore Store => new(_directory.Path);

    [Fact]
    public async Task FindHandled_RecordedInThisActivation_FoundBeforePersisting()
    {
        var index = new KeyedBatchIndex(Store, "t", "t#1", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 10, 7);

        var handled = await index.FindHandledAsync(batch, _time.GetUtcNow(), Later, CancellationToken.None);

        Assert.True(handled.ContainsAll(0, 10));
        Assert.False(handled.Contains(10));
        Assert.True((await index.FindHandledAsync(Guid.NewGuid(), _time.GetUtcNow(), Later, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task FindHandled_AfterRestart_ReadsWhatWasPersistedSinceTheAttempt()
    {
        var attemptStarted = _time.GetUtcNow();
        var before = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        before.Record(batch, 0, 500, 40);
        before.Record(batch, 500, 300, 41);
        _time.Advance(TimeSpan.FromSeconds(3));
        await before.PersistAsync(41, Window, CancellationToken.None);
        Assert.Equal(0, before.PendingCount);

        _time.Advance(TimeSpan.FromHours(2));
        var after = new KeyedBatchIndex(Store, "t", "t", _time);
        var handled = await after.FindHandledAsync(batch, attemptStarted, Later, CancellationToken.None);

        Assert.True(handled.ContainsAll(0, 800));
        // Another stream key's index is its own.
        Assert.True((await new KeyedBatchIndex(Store, "t", "t#2", _time).FindHandledAsync(batch, attemptStarted, Later, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task FindHandled_PersistedLongBeforeTheAttemptStarted_NotRead()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 1, 1);
        await index.PersistAsync(1, Window, CancellationToken.None);

        _time.Advance(KeyedBatchIndex.ClockSkew + TimeSpan.FromSeconds(1));
        var handled = await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(batch, _time.GetUtcNow(), Later, CancellationToken.None);

        Assert.True(handled.IsEmpty);
    }

    [Fact]
    public async Task FindHandled_AttemptStartedAtTheStartOfTime_ReadsEverythingWithoutThrowing()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 2, 1);
        await index.PersistAsync(1, Window, CancellationToken.None);

        var handled = await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(batch, DateTimeOffset.MinValue, Later, CancellationToken.None);

        Assert.True(handled.ContainsAll(0, 2));
    }

    [Fact]
    public async Task Persist_ObjectsOlderThanTheWindow_Deleted()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var old = Guid.NewGuid();
        var started = _time.GetUtcNow();
        index.Record(old, 0, 1, 1);
        await index.PersistAsync(1, Window, CancellationToken.None);

        _time.Advance(Window + KeyedBatchIndex.ClockSkew + TimeSpan.FromHours(1));
        index.Record(Guid.NewGuid(), 0, 1, 2);
        await index.PersistAsync(2, Window, CancellationToken.None);

        var names = new List<string>();
        await foreach (var name in Store.ListAsync(KeyedBatchIndex.Root, CancellationToken.None))
        {
            names.Add(name);
        }

        Assert.Single(names);
        Assert.True((await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(old, started, Later, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task Persist_WindowShortenedAfterwards_ObjectKeptForTheWindowItWasWrittenUnder()
    {
        // Persisted under a week; the tenant then shortens its window to a minute. A retry of the batch within the week
        // must still find it, though the hourly expiry runs under the new window in between.
        var week = TimeSpan.FromDays(7);
        var started = _time.GetUtcNow();
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 5, 1);
        await index.PersistAsync(1, week, CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(2));
        index.Record(Guid.NewGuid(), 0, 1, 2);
        await index.PersistAsync(2, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.True((await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(batch, started, Later, CancellationToken.None)).ContainsAll(0, 5));
        Assert.Contains(await NamesAsync(), static name => name.EndsWith($"-{1:D20}-604800.txt", StringComparison.Ordinal));

        // Past its own window it goes, and the minute's object long before.
        _time.Advance(week + KeyedBatchIndex.ClockSkew);
        index.Record(Guid.NewGuid(), 0, 1, 3);
        await index.PersistAsync(3, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.EndsWith($"-{3:D20}-60.txt", Assert.Single(await NamesAsync()), StringComparison.Ordinal);
        Assert.True((await new KeyedBatchIndex(Store, "t", "t", _time).FindHandledAsync(batch, started, Later, CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task Persist_WindowLengthenedAfterwards_ObjectKeptForTheCurrentWindow()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        index.Record(Guid.NewGuid(), 0, 1, 1);
        await index.PersistAsync(1, TimeSpan.FromMinutes(1), CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(2));
        index.Record(Guid.NewGuid(), 0, 1, 2);
        await index.PersistAsync(2, Window, CancellationToken.None);

        Assert.Equal(2, (await NamesAsync()).Count);
    }

    [Fact]
    public async Task Persist_ObjectNamedWithoutItsWindow_ReadAndExpiredByTheCurrentWindow()
    {
        // Named as before the window was in the name.
        var batch = Guid.NewGuid();
        var started = _time.GetUtcNow();
        var name = $"{KeyedBatchIndex.Root}t/t/{started.UtcTicks:D19}-{1:D20}.txt";
        await Store.WriteAsync(name, System.Text.Encoding.UTF8.GetBytes($"{batch:N} 0 3 1\n"), CancellationToken.None);
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        Assert.True((await index.FindHandledAsync(batch, started, Later, CancellationToken.None)).ContainsAll(0, 3));

        _time.Advance(TimeSpan.FromHours(2));
        index.Record(Guid.NewGuid(), 0, 1, 2);
        await index.PersistAsync(2, Window, CancellationToken.None);
        Assert.Contains(name, await NamesAsync());

        _time.Advance(Window);
        index.Record(Guid.NewGuid(), 0, 1, 3);
        await index.PersistAsync(3, Window, CancellationToken.None);
        Assert.DoesNotContain(name, await NamesAsync());
    }

    [Fact]
    public async Task FindHandled_ReplayOfTheRecordedBatchItself_NotCountedAsHandledBefore()
    {
        // A crash after the archive object and this index were written, before the processor recorded them:
        // the replay meets the retry at its own position again, and must archive its events into the rebuilt object.
        var attemptStarted = _time.GetUtcNow();
        var before = new KeyedBatchIndex(Store, "t", "t", _time);
        var retry = Guid.NewGuid();
        before.Record(retry, 0, 25, 12);
        await before.PersistAsync(12, Window, CancellationToken.None);

        var after = new KeyedBatchIndex(Store, "t", "t", _time);

        Assert.True((await after.FindHandledAsync(retry, attemptStarted, 12, CancellationToken.None)).IsEmpty);
        Assert.True((await after.FindHandledAsync(retry, attemptStarted, 5, CancellationToken.None)).IsEmpty);
        // A later retry of the same batch is a repeat.
        Assert.True((await after.FindHandledAsync(retry, attemptStarted, 13, CancellationToken.None)).ContainsAll(0, 25));
    }

    [Fact]
    public async Task FindHandled_RedeliveryInTheSameActivation_DoesNotFindItsOwnEntry()
    {
        // The delivery failed after recording (its dead letters or the order stage threw) and comes again.
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var batch = Guid.NewGuid();
        index.Record(batch, 0, 10, 30);

        Assert.True((await index.FindHandledAsync(batch, _time.GetUtcNow(), 30, CancellationToken.None)).IsEmpty);
        Assert.True((await index.FindHandledAsync(batch, _time.GetUtcNow(), 31, CancellationToken.None)).ContainsAll(0, 10));
    }

    [Fact]
    public async Task FindHandled_IndexWrittenBeforeEntriesHadPositions_CountedOnlyPastItsObject()
    {
        // Three fields: the batch is somewhere at or below the object's through sequence (9).
        var batch = Guid.NewGuid();
        var name = $"{KeyedBatchIndex.Root}t/t/{_time.GetUtcNow().UtcTicks:D19}-{9:D20}.txt";
        await Store.WriteAsync(name, System.Text.Encoding.UTF8.GetBytes($"{batch:N} 0 4\n"), CancellationToken.None);
        var index = new KeyedBatchIndex(Store, "t", "t", _time);

        // A replay within the object may be the batch itself: not a repeat. A retry after it is.
        Assert.True((await index.FindHandledAsync(batch, _time.GetUtcNow(), 9, CancellationToken.None)).IsEmpty);
        Assert.True((await index.FindHandledAsync(batch, _time.GetUtcNow(), 10, CancellationToken.None)).ContainsAll(0, 4));
    }

    private async Task<List<string>> NamesAsync()
    {
        var names = new List<string>();
        await foreach (var name in Store.ListAsync(KeyedBatchIndex.Root, CancellationToken.None))
        {
            names.Add(name);
        }

        return names;
    }

    [Fact]
    public async Task ReadRetries_AfterRestart_GivesTheMarkedRetriesPersistedWithTheirWindow()
    {
        var index = new KeyedBatchIndex(Store, "t", "t#2", _time);
        var retry = Guid.NewGuid();
        var firstAttempt = _time.GetUtcNow() - TimeSpan.FromMinutes(4);
        index.Record(Guid.NewGuid(), 0, 10, 5);
        index.Record(retry, 0, 10, 6, firstAttempt);
        var persistedAt = _time.GetUtcNow();
        await index.PersistAsync(6, Window, CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(3));
        var restored = await new KeyedBatchIndex(Store, "t", "t#2", _time).ReadRetriesAsync(Window, CancellationToken.None);

        var only = Assert.Single(restored);
        Assert.Equal(retry, only.BatchId);
        Assert.Equal(firstAttempt, only.Since);
        Assert.Equal(persistedAt + Window + KeyedBatchIndex.ClockSkew, only.Until);
        // The stream key's index objects are where they were; a lookup still finds the retry's entry.
        Assert.True((await new KeyedBatchIndex(Store, "t", "t#2", _time).FindHandledAsync(retry, firstAttempt, Later, CancellationToken.None)).ContainsAll(0, 10));
        Assert.Empty(await new KeyedBatchIndex(Store, "t", "t", _time).ReadRetriesAsync(Window, CancellationToken.None));
    }

    [Fact]
    public async Task ReadRetries_PastTheirWindow_NotGivenAndDeletedWithTheIndex()
    {
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        index.Record(Guid.NewGuid(), 0, 1, 1, _time.GetUtcNow());
        await index.PersistAsync(1, TimeSpan.FromMinutes(1), CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(1) + KeyedBatchIndex.ClockSkew + TimeSpan.FromSeconds(1));
        Assert.Empty(await new KeyedBatchIndex(Store, "t", "t", _time).ReadRetriesAsync(TimeSpan.FromMinutes(1), CancellationToken.None));

        _time.Advance(TimeSpan.FromHours(1));
        index.Record(Guid.NewGuid(), 0, 1, 2);
        await index.PersistAsync(2, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.EndsWith($"-{2:D20}-60.txt", Assert.Single(await NamesAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadRetries_PersistedUnderALongerWindow_KeptForIt()
    {
        var week = TimeSpan.FromDays(7);
        var index = new KeyedBatchIndex(Store, "t", "t", _time);
        var retry = Guid.NewGuid();
        index.Record(retry, 0, 1, 1, _time.GetUtcNow());
        await index.PersistAsync(1, week, CancellationToken.None);

        // The tenant shortened its window to a minute since: the retry's first attempt may still land within the week.
        _time.Advance(TimeSpan.FromDays(2));
        index.Record(Guid.NewGuid(), 0, 1, 2);
        await index.PersistAsync(2, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(retry, Assert.Single(await new KeyedBatchIndex(Store, "t", "t", _time).ReadRetriesAsync(TimeSpan.FromMinutes(1), CancellationToken.None)).BatchId);
    }

    public void Dispose() => _directory.Dispose();
}
