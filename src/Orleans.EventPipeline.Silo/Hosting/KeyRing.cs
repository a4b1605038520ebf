using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Where the silo keeps ASP.NET Core's data-protection keys, which sign the /ui cookie, its anti-forgery
/// tokens and the new-key notice. Without a shared, persisted ring each process made its own in memory (a
/// pod's root file system is read-only): a cookie signed in on one gateway was refused by the next, and by
/// the same gateway after a restart. Azure mode keeps the ring in Blob storage, reached as the archive is
/// (connection string or DefaultAzureCredential); local mode, one process, in its data directory.
/// </summary>
internal static class KeyRing
{
    /// <summary>Blob container of azure mode's key ring, beside the archive's in the same account.</summary>
    public const string BlobContainer = "dataprotection";

    /// <summary>Folder of local mode's key ring under Pipeline:DataDirectory.</summary>
    public const string LocalFolder = "dataprotection-keys";

    public static void AddPipelineKeyRing(this IServiceCollection services, PipelineSettings settings, string dataDirectory, AzureClients? azure)
    {
        // One application name for every role and process of the service: the keys' purpose chain includes
        // it, and by default it is the content root, which differs between installations.
        var protection = services.AddDataProtection().SetApplicationName(settings.Pipeline.ServiceId);
        if (azure is null)
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, LocalFolder)));
            return;
        }

        // Services of other ids may share the account: each keeps its ring under its own prefix.
        var repository = new KeyRingBlobRepository(azure.ArchiveBlobs.GetBlobContainerClient(BlobContainer), settings.Pipeline.ServiceId + "/");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(new ConfigureOptions<KeyManagementOptions>(options => options.XmlRepository = repository));
    }
}
