using System.Net;
using System.Text;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>Azure mode's archive for real: Blob storage in Azurite, the stream on a separately started emulator.</summary>
public sealed class AzureModeArchiveTests
{
    [Fact]
    public async Task Post_AzureMode_EventsArchivedAsBlobsInTheArchiveContainer()
    {
        using var data = new TempDirectory();
        await using var azure = await AzureModeEnvironment.StartAsync(data.Path);
        await using var silo = azure.StartSilo(
            Path.Combine(data.Path, "silo"),
            "--Pipeline:Archive:MaxAge=00:00:02",
            "--Pipeline:Archive:FlushCheckInterval=00:00:00.200");
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync("blob-tenant");
        var time = new DateTimeOffset(2024, 7, 1, 10, 15, 0, TimeSpan.Zero);

        using var response = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes($$"""{"timestamp":"{{time:O}}","message":"to blob"}"""), "application/x-ndjson");
        var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(azure.Azurite.ConnectionString, "archive"), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        IReadOnlyList<Events.NormalizedEvent> archived;
        while ((archived = await ArchiveCatalog.ReadRangeAsync(store, "blob-tenant", time, time.AddHours(1), CancellationToken.None)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var single = Assert.Single(archived);
        Assert.Equal("to blob", single.Body);
        Assert.Equal(time, single.Timestamp);
    }
}
