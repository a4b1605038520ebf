using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Azure mode's credential and service clients, made once per process and shared by clustering, grain
/// state, checkpoints, the archive, Event Hubs and the readiness probe. Each <c>DefaultAzureCredential</c>
/// caches its own tokens and each client its own connections, so one per use (a probe every few seconds
/// made a new pair each time) costs token requests and sockets for nothing.
/// </summary>
internal sealed class AzureClients
{
    private readonly Lazy<TokenCredential> _credential = new(static () => new DefaultAzureCredential());

    public AzureClients(PipelineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var azure = settings.Pipeline.Azure;
        Tables = azure.StorageConnectionString.Length > 0
            ? new TableServiceClient(azure.StorageConnectionString)
            : new TableServiceClient(new Uri(azure.TableServiceUri), Credential);
        ArchiveBlobs = settings.Archive.BlobServiceUri.Length > 0
            ? new BlobServiceClient(new Uri(settings.Archive.BlobServiceUri), Credential)
            : new BlobServiceClient(azure.StorageConnectionString);
    }

    /// <summary>The one credential of the process, made on first use (not at all with connection strings).</summary>
    public TokenCredential Credential => _credential.Value;

    /// <summary>Whether a client was given the credential: the service URIs were set rather than connection strings.</summary>
    public bool SignsInWithCredential => _credential.IsValueCreated;

    /// <summary>Table storage: membership, grain state, checkpoints.</summary>
    public TableServiceClient Tables { get; }

    /// <summary>Blob storage of the archive.</summary>
    public BlobServiceClient ArchiveBlobs { get; }
}
