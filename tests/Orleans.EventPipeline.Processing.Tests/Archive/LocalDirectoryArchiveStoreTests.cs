using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

public sealed class LocalDirectoryArchiveStoreTests : ArchiveStoreContract, IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ListAndRead_InterruptedWriteLeftATemporaryFile_SeeOnlyTheCompleteObject()
    {
        var store = new LocalDirectoryArchiveStore(_directory.Path);
        const string name = "t/2024/05/01/12/k-1.ndjson.zst";
        await store.WriteAsync(name, new byte[] { 1, 2, 3 }, CancellationToken.None);

        // What a crash between create and rename leaves: a partial temporary file next to the object.
        var partial = Path.Combine(_directory.Path, "t", "2024", "05", "01", "12", "k-1.ndjson.zst.0123456789abcdef.tmp");
        await File.WriteAllBytesAsync(partial, [9]);

        var names = new List<string>();
        await foreach (var listed in store.ListAsync("t/", CancellationToken.None))
        {
            names.Add(listed);
        }

        Assert.Equal([name], names);
        await using var stream = await store.OpenReadAsync(name, CancellationToken.None);
        Assert.Equal(3, stream!.Length);
    }

    [Fact]
    public async Task ListAsync_PrefixReachingAFolderAnotherWay_ListsNothing()
    {
        var store = new LocalDirectoryArchiveStore(_directory.Path);
        await store.WriteAsync("t/2024/05/01/12/k-1.ndjson.zst", new byte[] { 1 }, CancellationToken.None);

        // As a plain string prefix none of these starts an object's name, though each leads to a folder that holds one.
        foreach (var prefix in new[] { "./", "./t", "x/../", "t//2024", "t/./2024/", "t/../t/2024/" })
        {
            await foreach (var listed in store.ListAsync(prefix, CancellationToken.None))
            {
                Assert.Fail($"\"{prefix}\" listed {listed}");
            }
        }
    }

    [Fact]
    public async Task WriteAsync_Cancelled_LeavesNoObjectAndNoTemporaryFile()
    {
        var store = new LocalDirectoryArchiveStore(_directory.Path);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync("t/a.ndjson.zst", new byte[1024], cancelled.Token));

        Assert.Empty(Directory.EnumerateFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task OpenReadAsync_ARootDirectoryAsTheRoot_FindsNamesInsideIt()
    {
        // "/" ends in its separator: "//" was taken as the root's inside, and every name refused as leaving it (helper-108).
        var store = new LocalDirectoryArchiveStore(Path.GetPathRoot(_directory.Path)!);

        Assert.Null(await store.OpenReadAsync("eventpipeline-no-such-tenant/2024/05/01/12/k-1.ndjson.zst", CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_NameLeavingTheRoot_IsRefused()
    {
        var store = new LocalDirectoryArchiveStore(_directory.Path);

        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync("../escape.ndjson.zst", new byte[1], CancellationToken.None));
    }

    public void Dispose() => _directory.Dispose();

    protected override Task<IArchiveStore> CreateStoreAsync() =>
        Task.FromResult<IArchiveStore>(new LocalDirectoryArchiveStore(Path.Combine(_directory.Path, Guid.NewGuid().ToString("N"))));
}
