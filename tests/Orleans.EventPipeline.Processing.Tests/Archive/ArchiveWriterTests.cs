using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

public sealed class ArchiveWriterTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(TestEvents.Ingest);
    private readonly LocalDirectoryArchiveStore _store;

    public ArchiveWriterTests() => _store = new LocalDirectoryArchiveStore(_directory.Path);

    [Fact]
    public void IsFlushDue_Age_BecomesDueAtMaxAge()
    {
        using var writer = Writer(new ArchiveFlushPolicy { MaxAge = TimeSpan.FromSeconds(30) });
        Assert.False(writer.IsFlushDue);

        writer.Add([TestEvents.At(0)], 1);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(writer.IsFlushDue);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(writer.IsFlushDue);
    }

    [Fact]
    public void IsFlushDue_SizeOrCount_BecomesDueWithoutTime()
    {
        using var bySize = Writer(new ArchiveFlushPolicy { MaxBytes = 1024 });
        using var byCount = Writer(new ArchiveFlushPolicy { MaxEvents = 3 });

        for (var i = 0; !bySize.IsFlushDue; i++)
        {
            bySize.Add([TestEvents.At(i)], i);
        }

        byCount.Add([TestEvents.At(0), TestEvents.At(1)], 0);
        Assert.False(byCount.IsFlushDue);
        byCount.Add([TestEvents.At(2)], 1);

        Assert.True(bySize.BufferedBytes >= 1024);
        Assert.True(byCount.IsFlushDue);
    }

    [Fact]
    public async Task FlushAsync_ObjectCutForAge_GivesBackTheBuffer_CutForSize_KeepsItUntilTrimmed()
    {
        using var quiet = Writer(new ArchiveFlushPolicy { MaxBytes = 64 * 1024 });
        Assert.Equal(0, quiet.HeldBytes);
        quiet.Add([TestEvents.At(0)], 1);
        Assert.True(quiet.HeldBytes > 0);
        await quiet.FlushAsync(CancellationToken.None);
        Assert.Equal(0, quiet.HeldBytes);

        using var busy = Writer(new ArchiveFlushPolicy { MaxBytes = 64 * 1024 });
        for (var i = 0; !busy.IsFlushDue; i++)
        {
            busy.Add([TestEvents.At(i)], i);
        }

        await busy.FlushAsync(CancellationToken.None);
        Assert.True(busy.HeldBytes >= 64 * 1024, $"a stream that fills objects keeps its buffer for the next one; it holds {busy.HeldBytes} bytes");

        busy.Trim();
        Assert.Equal(0, busy.HeldBytes);
        Assert.True(busy.Add([TestEvents.At(0)], 1_000_000));
        Assert.NotNull(await busy.FlushAsync(CancellationToken.None));
    }

    [Fact]
    public void Add_UpToTheObjectSize_HoldsAboutThatMuch_NotTwice()
    {
        const long maxBytes = 4 << 20;
        using var writer = Writer(new ArchiveFlushPolicy { MaxBytes = maxBytes, MaxEvents = 1_000_000 });
        for (var i = 0; !writer.IsFlushDue; i++)
        {
            writer.Add([.. Enumerable.Range(0, 100).Select(static e => TestEvents.At(e))], i);
        }

        // Doubling took the 4 MiB object's buffer to 8 MiB (HeldBytes 8.6 MB with the line index).
        Assert.InRange(writer.HeldBytes, maxBytes, maxBytes * 3 / 2);
    }

    [Fact]
    public void Trim_WithEventsBuffered_KeepsThem()
    {
        using var writer = Writer();
        writer.Add([TestEvents.At(0)], 1);
        writer.Trim();
        Assert.Equal(1, writer.BufferedEvents);
        Assert.True(writer.HeldBytes > 0);
    }

    [Fact]
    public async Task Add_ReplayedBatches_AreSkippedOnceArchived()
    {
        using var writer = Writer();
        writer.Add([TestEvents.At(0)], 5);
        await writer.FlushAsync(CancellationToken.None);

        Assert.False(writer.Add([TestEvents.At(0)], 5));
        Assert.False(writer.Add([TestEvents.At(0)], 4));
        Assert.True(writer.Add([TestEvents.At(1)], 6));
        Assert.False(writer.Add([TestEvents.At(1)], 6));
        Assert.Equal(5, writer.ArchivedThrough);
    }

    [Fact]
    public async Task FlushAsync_ReplayOfSameBatchesAfterCrash_RewritesTheSameObject()
    {
        using (var beforeCrash = Writer())
        {
            beforeCrash.Add([TestEvents.At(0), TestEvents.At(1)], 100);
            beforeCrash.Add([TestEvents.At(2)], 101);
            await beforeCrash.FlushAsync(CancellationToken.None);
        }

        using var afterRestart = Writer();
        afterRestart.Add([TestEvents.At(0), TestEvents.At(1)], 100);
        afterRestart.Add([TestEvents.At(2)], 101);
        await afterRestart.FlushAsync(CancellationToken.None);

        var archived = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", TestEvents.Ingest, TestEvents.Ingest.AddHours(1), CancellationToken.None);
        Assert.Single(await Names());
        Assert.Equal(["e0", "e1", "e2"], archived.Select(static e => e.EventId));
    }

    [Fact]
    public async Task FlushAsync_ReplayCutEarlierByAge_HoldsUntilTheOriginalObjectsEnd()
    {
        using (var beforeCrash = Writer())
        {
            beforeCrash.Add([TestEvents.At(0)], 100);
            beforeCrash.Add([TestEvents.At(1)], 101);
            beforeCrash.Add([TestEvents.At(2)], 102);
            await beforeCrash.FlushAsync(CancellationToken.None);
        }

        // The restart replays from the checkpoint before 100; its age cut would fall after 101.
        using var afterRestart = Writer();
        afterRestart.Add([TestEvents.At(0)], 100);
        afterRestart.Add([TestEvents.At(1)], 101);
        Assert.Null(await afterRestart.FlushAsync(CancellationToken.None));

        afterRestart.Add([TestEvents.At(2)], 102);
        afterRestart.Add([TestEvents.At(3)], 103);
        var rewritten = await afterRestart.FlushAsync(CancellationToken.None);
        afterRestart.Add([TestEvents.At(4)], 104);
        await afterRestart.FlushAsync(CancellationToken.None);

        var archived = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", TestEvents.Ingest, TestEvents.Ingest.AddHours(1), CancellationToken.None);
        Assert.Equal(103, rewritten?.LastSequence);
        Assert.Equal(["e0", "e1", "e2", "e3", "e4"], archived.Select(static e => e.EventId));
        Assert.Equal(2, (await Names()).Count);
    }

    [Fact]
    public async Task FlushAsync_StoreFails_KeepsTheBufferForTheNextTry()
    {
        using var writer = new ArchiveWriter(new FailingStore(_store) { FailWrites = true }, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), _time, NullLogger.Instance);
        writer.Add([TestEvents.At(0)], 1);

        await Assert.ThrowsAsync<IOException>(() => writer.FlushAsync(CancellationToken.None));

        Assert.Equal(1, writer.BufferedEvents);
        Assert.Equal(-1, writer.ArchivedThrough);
    }

    [Fact]
    public async Task FlushAsync_TwoWritersOfOneKey_TheShorterObjectLandingLast_LeavesTheLongerOne()
    {
        // Two activations of one processor at once (the old one flushing as it deactivates while the new one, on the silo
        // that now reads the partition, replays the same batches): the old one's shorter object lands after the new
        // one's longer object. Deleted as "superseded", the longer one took e3 and e4 with it (helper-135).
        var slow = new TaskCompletionSource();
        using var old = new ArchiveWriter(new FailingStore(_store) { WriteGate = slow.Task }, "tenant-a", "tenant-a", new ArchiveFlushPolicy(), _time, NullLogger.Instance);
        using var fresh = Writer();
        for (var i = 0; i < 3; i++)
        {
            old.Add([TestEvents.At(i)], 100 + i);
        }

        var oldFlush = old.FlushAsync(CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            fresh.Add([TestEvents.At(i)], 100 + i);
        }

        Assert.Equal(104, (await fresh.FlushAsync(CancellationToken.None))?.LastSequence);
        slow.SetResult();
        Assert.Equal(102, (await oldFlush)?.LastSequence);

        var archived = await ArchiveCatalog.ReadRangeAsync(_store, "tenant-a", TestEvents.Ingest, TestEvents.Ingest.AddHours(1), CancellationToken.None);
        Assert.Equal(["e0", "e1", "e2", "e3", "e4"], archived.Select(static e => e.EventId));
    }

    [Fact]
    public void Add_AnotherTenantsEvent_IsRefusedWholeBatch()
    {
        using var writer = Writer();

        Assert.Throws<ArgumentException>(() => writer.Add([TestEvents.At(0), TestEvents.At(TestEvents.Ingest, "x", tenant: "tenant-b")], 1));

        Assert.Equal(0, writer.BufferedEvents);
    }

    public void Dispose() => _directory.Dispose();

    private ArchiveWriter Writer(ArchiveFlushPolicy? policy = null) =>
        new(_store, "tenant-a", "tenant-a", policy ?? new ArchiveFlushPolicy(), _time, NullLogger.Instance);

    private async Task<List<string>> Names()
    {
        var names = new List<string>();
        await foreach (var name in _store.ListAsync("tenant-a/", CancellationToken.None))
        {
            names.Add(name);
        }

        return names;
    }

    private sealed class FailingStore(IArchiveStore inner) : IArchiveStore
    {
        public bool FailWrites { get; init; }

        /// <summary>Each write waits for it: a slow store.</summary>
        public Task WriteGate { get; init; } = Task.CompletedTask;

        public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            await WriteGate;
            if (FailWrites)
            {
                throw new IOException("disk full");
            }

            await inner.WriteAsync(name, content, cancellationToken);
        }

        public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public Task DeleteAsync(string name, CancellationToken cancellationToken) => inner.DeleteAsync(name, cancellationToken);
    }
}
