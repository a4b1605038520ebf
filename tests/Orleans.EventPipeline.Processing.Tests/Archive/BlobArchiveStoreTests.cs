using Azure.Storage.Blobs;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Tests.Support;

namespace Orleans.EventPipeline.Processing.Tests.Archive;

/// <summary>The store contract against Azurite, one fresh container per test.</summary>
public sealed class BlobArchiveStoreTests(AzuriteFixture azurite) : ArchiveStoreContract, IClassFixture<AzuriteFixture>
{
    protected override async Task<IArchiveStore> CreateStoreAsync()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, "archive-" + Guid.NewGuid().ToString("N"));
        return await BlobArchiveStore.CreateAsync(container, CancellationToken.None);
    }
}
