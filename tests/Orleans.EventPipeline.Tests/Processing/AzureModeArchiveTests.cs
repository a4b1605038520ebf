using System.Net;
using System.Text;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>Azure mode's archive for real: Blob storage in Azurite, the stream on a separately started emulator.</summary>
public sealed class AzureModeArchiveTests
{
    private const string Key = "YXp1cmUtYXJjaGl2ZS10ZXN0LWtleS0wMTIzNDU2Nzg=";

    [Fact]
    public async Task Post_AzureMode_EventsArchivedAsBlobsInTheArchiveContainer()
    {
        using var data = new TempDirectory();
        await using var azurite = await AzuriteProcess.StartAsync(Path.Combine(data.Path, "azurite"));
        var options = new EmulatorOptions { Port = 0, DataDirectory = Path.Combine(data.Path, "eventhubs") };
        options.Hubs["events"] = new EventHubDefinition { PartitionCount = 2 };
        options.SharedAccessKeys["RootManageSharedAccessKey"] = Key;
        await using var eventHubs = new EventHubsEmulatorServer(options);
        await eventHubs.StartAsync();
        await using var silo = SiloProcess.Start(
            Path.Combine(data.Path, "silo"),
            "--Pipeline:Mode=Azure",
            $"--Pipeline:Azure:StorageConnectionString={azurite.ConnectionString}",
            $"--Pipeline:Azure:EventHubsConnectionString={eventHubs.ConnectionString()}",
            "--Pipeline:Archive:MaxAge=00:00:02",
            "--Pipeline:Archive:FlushCheckInterval=00:00:00.200");
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var apiKey = await api.CreateTenantAsync("blob-tenant");
        var time = new DateTimeOffset(2024, 7, 1, 10, 15, 0, TimeSpan.Zero);

        using var response = await api.PostAsync(apiKey, Encoding.UTF8.GetBytes($$"""{"timestamp":"{{time:O}}","message":"to blob"}"""), "application/x-ndjson");
        var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(azurite.ConnectionString, "archive"), CancellationToken.None);
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
