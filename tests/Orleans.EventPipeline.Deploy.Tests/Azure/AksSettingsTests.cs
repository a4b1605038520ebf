using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Deploy.Tests.Support;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Deploy.Tests.Azure;

/// <summary>The AKS overlay's settings make a host that reaches Azure with its managed identity, no secret.</summary>
public sealed class AksSettingsTests
{
    /// <summary>
    /// Built (not started: nothing is dialled) from the overlay's gateway environment, the host's Table and Blob
    /// clients point at the Bicep's service URIs and were given DefaultAzureCredential, not a key.
    /// </summary>
    [Fact]
    public async Task AksOverlaySettings_HostBuildsTokenCredentialClients()
    {
        var objects = await Manifests.ReadAsync("aks");
        var environment = objects.Environment(objects.Get("Deployment", "gateway"), "silo");
        Assert.DoesNotContain(environment.Keys, static key => key.EndsWith("ConnectionString", StringComparison.Ordinal));

        using var data = new TempDirectory();
        await using var app = BuiltHost.Gateway(environment, data.Path);
        var clients = app.Services.GetRequiredService<AzureClients>();

        Assert.True(clients.SignsInWithCredential, "The host's Azure clients were made from connection strings, not the credential.");
        Assert.IsType<DefaultAzureCredential>(clients.Credential);
        Assert.Equal(new Uri(environment["Pipeline__Azure__TableServiceUri"]), clients.Tables.Uri);
        Assert.Equal(new Uri(environment["Pipeline__Archive__BlobServiceUri"]), clients.ArchiveBlobs.Uri);
        // Only a shared key can sign an account SAS: a token credential cannot.
        Assert.False(clients.ArchiveBlobs.CanGenerateAccountSasUri);
    }
}
