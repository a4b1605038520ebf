using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// ASP.NET Core's data-protection key ring in Blob storage (azure mode), one blob per key under the service's
/// prefix, so every gateway of the cluster and every restart reads the keys the others made. A key is written
/// once under its own name and never changed (revocations are new elements), so there is nothing to merge.
/// The interface is synchronous: the key manager calls it rarely (at first use, then about once a day).
/// </summary>
internal sealed class KeyRingBlobRepository(BlobContainerClient container, string prefix) : IXmlRepository
{
    private bool _created;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var elements = new List<XElement>();
        try
        {
            foreach (var blob in container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
            {
                using var content = container.GetBlobClient(blob.Name).DownloadStreaming().Value.Content;
                elements.Add(XElement.Load(content));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No container yet: no key has been made, the key manager makes the first one.
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (!_created)
        {
            container.CreateIfNotExists();
            _created = true;
        }

        using var content = new MemoryStream();
        element.Save(content, SaveOptions.DisableFormatting);
        content.Position = 0;
        // A fresh name per element: two silos making a key at once store two keys, both read back by all.
        container.GetBlobClient($"{prefix}{friendlyName}-{Guid.NewGuid():N}.xml").Upload(content, overwrite: false);
    }
}
