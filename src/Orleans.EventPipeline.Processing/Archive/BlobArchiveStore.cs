using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// Archive objects as block blobs in one container (azure mode). An upload is committed whole by the
/// service (Put Blob, or Put Block List for large ones), so a listing never shows part of an object,
/// and an upload to an existing name replaces it.
/// </summary>
public sealed class BlobArchiveStore : IArchiveStore
{
    private readonly BlobContainerClient _container;

    private BlobArchiveStore(BlobContainerClient container) => _container = container;

    /// <summary>Uses <paramref name="container"/>, creating it when it does not exist.</summary>
    public static async Task<BlobArchiveStore> CreateAsync(BlobContainerClient container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        return new BlobArchiveStore(container);
    }

    public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/zstd" } };
        await _container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), options, cancellationToken);
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            yield return blob.Name;
        }
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var download = await _container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        await _container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
}
