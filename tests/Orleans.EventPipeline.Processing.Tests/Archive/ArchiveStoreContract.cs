using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

/// <summary>What every <see cref="IArchiveStore"/> must do; each implementation's test class runs these.</summary>
public abstract class ArchiveStoreContract
{
    protected abstract Task<IArchiveStore> CreateStoreAsync();

    [Fact]
    public async Task WriteAsync_SameNameTwice_KeepsOneObjectWithTheLastContent()
    {
        var store = await CreateStoreAsync();

        await store.WriteAsync("t/2024/05/01/12/a.ndjson.zst", new byte[] { 1, 2, 3 }, CancellationToken.None);
        await store.WriteAsync("t/2024/05/01/12/a.ndjson.zst", new byte[] { 4, 5 }, CancellationToken.None);

        Assert.Equal(["t/2024/05/01/12/a.ndjson.zst"], await ListAsync(store, "t/"));
        Assert.Equal(new byte[] { 4, 5 }, await ReadAsync(store, "t/2024/05/01/12/a.ndjson.zst"));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsOnlyMatchingNames()
    {
        var store = await CreateStoreAsync();
        foreach (var name in new[] { "t/2024/05/01/12/k-1.ndjson.zst", "t/2024/05/01/12/k-2.ndjson.zst", "t/2024/05/01/13/k-3.ndjson.zst", "u/2024/05/01/12/k-1.ndjson.zst" })
        {
            await store.WriteAsync(name, new byte[] { 0 }, CancellationToken.None);
        }

        Assert.Equal(["t/2024/05/01/12/k-1.ndjson.zst", "t/2024/05/01/12/k-2.ndjson.zst"], await ListAsync(store, "t/2024/05/01/12/"));
        Assert.Equal(["t/2024/05/01/12/k-2.ndjson.zst"], await ListAsync(store, "t/2024/05/01/12/k-2"));
        Assert.Empty(await ListAsync(store, "v/"));
    }

    [Fact]
    public async Task ListAsync_PrefixEndingInsideANameOrAFolder_IsAPlainStringPrefix()
    {
        var store = await CreateStoreAsync();
        string[] names =
        [
            "t/2024/05/01/12/k-1.ndjson.zst", "t/2024/05/01/12/k-10.ndjson.zst", "t/2024/05/01/12/k-1x/nested.ndjson.zst",
            "t/2024/05/01/12/k-2.ndjson.zst", "t/2024/05/01/13/k-1.ndjson.zst", "t/2024/05/02/12/k-1.ndjson.zst",
        ];
        foreach (var name in names)
        {
            await store.WriteAsync(name, new byte[] { 0 }, CancellationToken.None);
        }

        Assert.Equal(
            ["t/2024/05/01/12/k-1.ndjson.zst", "t/2024/05/01/12/k-10.ndjson.zst", "t/2024/05/01/12/k-1x/nested.ndjson.zst"],
            await ListAsync(store, "t/2024/05/01/12/k-1"));
        Assert.Equal(
            ["t/2024/05/01/12/k-1.ndjson.zst", "t/2024/05/01/12/k-10.ndjson.zst", "t/2024/05/01/12/k-1x/nested.ndjson.zst", "t/2024/05/01/12/k-2.ndjson.zst", "t/2024/05/01/13/k-1.ndjson.zst"],
            await ListAsync(store, "t/2024/05/01/1"));
        Assert.Equal(names.Order(StringComparer.Ordinal), await ListAsync(store, "t/2024/05/0"));
        Assert.Equal(names.Order(StringComparer.Ordinal), await ListAsync(store, "t"));
        Assert.Empty(await ListAsync(store, "t/2024/05/01/12/k-3"));
    }

    [Fact]
    public async Task OpenReadAsync_Missing_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.OpenReadAsync("t/none.ndjson.zst", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_ExistingAndMissing_RemovesWithoutError()
    {
        var store = await CreateStoreAsync();
        await store.WriteAsync("t/x.ndjson.zst", new byte[] { 1 }, CancellationToken.None);

        await store.DeleteAsync("t/x.ndjson.zst", CancellationToken.None);
        await store.DeleteAsync("t/x.ndjson.zst", CancellationToken.None);
        // In a folder no object was ever written to, as a write that never came leaves it.
        await store.DeleteAsync("t/2024/05/01/12/never.ndjson.zst", CancellationToken.None);

        Assert.Empty(await ListAsync(store, "t/"));
    }

    [Fact]
    public async Task ArchiveWriter_ShardStreamKeyThroughStore_RoundTripsEventsByTimeRange()
    {
        var store = await CreateStoreAsync();
        var time = new FakeTimeProvider(TestEvents.Ingest);
        using var writer = new ArchiveWriter(store, "tenant-a", "tenant-a#1", new ArchiveFlushPolicy(), time, NullLogger.Instance);
        NormalizedEvent[] events = [TestEvents.At(1), TestEvents.At(2), TestEvents.At(3)];
        writer.Add(events[..2], 10);
        writer.Add(events[2..], 11);

        var written = await writer.FlushAsync(CancellationToken.None);
        var back = await ArchiveCatalog.ReadRangeAsync(store, "tenant-a", TestEvents.Ingest, TestEvents.Ingest.AddHours(1), CancellationToken.None);

        Assert.Equal("tenant-a/2024/05/01/12/tenant-a#1-00000000000000000010-00000000000000000011.ndjson.zst", written?.Name);
        Assert.Equal(events.Select(static e => e.EventId), back.Select(static e => e.EventId));
    }

    private static async Task<List<string>> ListAsync(IArchiveStore store, string prefix)
    {
        var names = new List<string>();
        await foreach (var name in store.ListAsync(prefix, CancellationToken.None))
        {
            names.Add(name);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static async Task<byte[]> ReadAsync(IArchiveStore store, string name)
    {
        await using var stream = await store.OpenReadAsync(name, CancellationToken.None);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
