using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// Azure mode on loopback: Azurite for Table and Blob storage and the emulator as a server of its own,
/// and silo processes started against both.
/// </summary>
internal sealed class AzureModeEnvironment : IAsyncDisposable
{
    private const string Key = "YXp1cmUtbW9kZS1lbnZpcm9ubWVudC1rZXktMDEyMzQ=";

    private AzureModeEnvironment(AzuriteNode azurite, EventHubsEmulatorServer eventHubs)
    {
        Azurite = azurite;
        EventHubs = eventHubs;
    }

    public AzuriteNode Azurite { get; }

    public EventHubsEmulatorServer EventHubs { get; }

    public static async Task<AzureModeEnvironment> StartAsync(string dataDirectory, int partitions = 2)
    {
        var azurite = await AzuriteNode.StartAsync(Path.Combine(dataDirectory, "azurite"));
        var options = new EmulatorOptions { Port = 0, DataDirectory = Path.Combine(dataDirectory, "eventhubs") };
        options.Hubs["events"] = new EventHubDefinition { PartitionCount = partitions };
        options.SharedAccessKeys["RootManageSharedAccessKey"] = Key;
        var eventHubs = new EventHubsEmulatorServer(options);
        await eventHubs.StartAsync();
        return new AzureModeEnvironment(azurite, eventHubs);
    }

    /// <summary>A silo in azure mode on both, with <paramref name="settings"/> after the mode's own.</summary>
    public SiloProcess StartSilo(string dataDirectory, params string[] settings) => SiloProcess.Start(
        dataDirectory,
        [
            "--Pipeline:Mode=Azure",
            $"--Pipeline:Azure:StorageConnectionString={Azurite.ConnectionString}",
            $"--Pipeline:Azure:EventHubsConnectionString={EventHubs.ConnectionString()}",
            .. settings,
        ]);

    public async ValueTask DisposeAsync()
    {
        await EventHubs.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
