using System.Text.RegularExpressions;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// Silos of one cluster in azure mode as separate processes: Azurite for clustering, grain state,
/// checkpoints and the archive, the standalone emulator as Event Hubs; archive objects cut after 2 s.
/// </summary>
internal static partial class AzureClusterSilos
{
    private const string Key = "Y2x1c3Rlci1yb2xlcy10ZXN0LWtleS0wMTIzNDU2Nzg=";

    /// <summary>A silo of <paramref name="role"/> (all, gateway, processor) with its data in <paramref name="dataDirectory"/>.</summary>
    public static SiloProcess Start(string role, AzuriteNode azurite, EventHubsEmulatorServer eventHubs, string dataDirectory, params string[] more) => SiloProcess.Start(
        dataDirectory,
        [
            "--Pipeline:Mode=Azure",
            $"--Pipeline:Role={role}",
            "--Pipeline:AdvertisedAddress=127.0.0.1",
            $"--Pipeline:Azure:StorageConnectionString={azurite.ConnectionString}",
            $"--Pipeline:Azure:EventHubsConnectionString={eventHubs.ConnectionString()}",
            "--Pipeline:Archive:MaxAge=00:00:02",
            "--Pipeline:Archive:FlushCheckInterval=00:00:00.200",
            .. more,
        ]);

    /// <summary>The emulator with one hub, <c>events</c>, of <paramref name="partitions"/> partitions.</summary>
    public static async Task<EventHubsEmulatorServer> StartEventHubsAsync(string dataDirectory, int partitions)
    {
        var options = new EmulatorOptions { Port = 0, DataDirectory = dataDirectory };
        options.Hubs["events"] = new EventHubDefinition { PartitionCount = partitions };
        options.SharedAccessKeys["RootManageSharedAccessKey"] = Key;
        var server = new EventHubsEmulatorServer(options);
        await server.StartAsync();
        return server;
    }

    /// <summary>How many of the hub's partitions the silo reads now, from the balancer's last log line about it; -1 before the first.</summary>
    public static int Share(SiloProcess silo) =>
        ShareLine().Matches(silo.Output).LastOrDefault() is { } last ? int.Parse(last.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;

    [GeneratedRegex($"Stream provider {PipelineStreams.ProviderName}: this silo reads (\\d+) of \\d+ queues")]
    private static partial Regex ShareLine();
}
