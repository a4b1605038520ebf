using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Tests.Processing;

public sealed class ArchiveWriterEventTimeOrderTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _root = new();

    [Fact]
    public async Task FlushAsync_BatchesInArrivalOrder_ObjectLinesSortedByEventTimeTiesInArrival()
    {
        var store = new LocalDirectoryArchiveStore(_root.Path);
        using var writer = new ArchiveWriter(store, "t", "t", new ArchiveFlushPolicy(), new FakeTimeProvider(Start), NullLogger.Instance);

        writer.Add([Event("a", 5), Event("b", 1)], sequence: 10);
        writer.Add([Event("c", 3), Event("d", 1), Event("e", 9)], sequence: 11);
        var name = await writer.FlushAsync(CancellationToken.None);
        var events = await ArchiveCatalog.ReadAsync(store, name!.Value, CancellationToken.None);

        Assert.Equal(["b", "d", "c", "a", "e"], events.Select(static e => e.Body));
        Assert.Equal(11, writer.ArchivedThrough);
    }

    [Fact]
    public async Task FlushAsync_SameBatchesTwice_SameBytes()
    {
        var first = new LocalDirectoryArchiveStore(Path.Combine(_root.Path, "1"));
        var second = new LocalDirectoryArchiveStore(Path.Combine(_root.Path, "2"));

        var a = await WriteAsync(first);
        var b = await WriteAsync(second);

        Assert.Equal(a.Name, b.Name);
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(first.RootDirectory, a.Name)),
            await File.ReadAllBytesAsync(Path.Combine(second.RootDirectory, b.Name)));
    }

    public void Dispose() => _root.Dispose();

    private static async Task<ArchiveObjectName> WriteAsync(IArchiveStore store)
    {
        using var writer = new ArchiveWriter(store, "t", "t#1", new ArchiveFlushPolicy(), new FakeTimeProvider(Start), NullLogger.Instance);
        writer.Add([Event("x", 7), Event("y", 2)], sequence: 3);
        writer.Add([Event("z", 4)], sequence: 8);
        return (await writer.FlushAsync(CancellationToken.None))!.Value;
    }

    private static NormalizedEvent Event(string body, int second) => new(
        "t",
        $"00000000000000000000000000000000:{body}",
        Start,
        Start.AddSeconds(second),
        Start,
        9,
        null,
        body,
        new Dictionary<string, AttributeValue>(),
        new Dictionary<string, string>(),
        SourceFormat.Json);
}
