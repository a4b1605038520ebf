using System.Runtime.CompilerServices;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// The Blob archive of azure mode, whose container is created on first use rather than while services
/// are built (that would block the host's start on a network call). A failed creation is retried on the
/// next call instead of being cached.
/// </summary>
internal sealed class ProcessingBlobArchiveStore(BlobContainerClient container) : IArchiveStore, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private BlobArchiveStore? _store;

    public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        await (await StoreAsync(cancellationToken)).WriteAsync(name, content, cancellationToken);

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var store = await StoreAsync(cancellationToken);
        await foreach (var name in store.ListAsync(prefix, cancellationToken))
        {
            yield return name;
        }
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) =>
        await (await StoreAsync(cancellationToken)).OpenReadAsync(name, cancellationToken);

    public async Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        await (await StoreAsync(cancellationToken)).DeleteAsync(name, cancellationToken);

    public void Dispose() => _gate.Dispose();

    private async ValueTask<BlobArchiveStore> StoreAsync(CancellationToken cancellationToken)
    {
        if (_store is { } store)
        {
            return store;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _store ??= await BlobArchiveStore.CreateAsync(container, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
