using Orleans.EventPipeline.Processes;

namespace Orleans.EventPipeline.LocalCluster;

/// <summary>
/// The cluster of docs/DEPLOY.md's first section on loopback, in azure mode as in production: Azurite
/// (membership, grain state, checkpoints, the Blob archive), the standalone Event Hubs emulator, one gateway
/// and the processors, each a process of its own started by the shared launcher (src/Shared/Processes).
/// Prints where each one answers, then runs until Ctrl+C or SIGTERM.
/// </summary>
internal static class LocalCluster
{
    // The silos' own graceful stop is 60 s with the default DurableWriteTimeout (PipelineSiloExtensions.ShutdownTimeout);
    // past this they are killed.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(70);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    public static async Task<int> RunAsync(ClusterOptions options, CancellationToken cancellationToken)
    {
        var temporary = options.DataDirectory.Length == 0;
        var data = Directory.CreateDirectory(temporary
            ? Path.Combine(Path.GetTempPath(), "eventpipeline-local-cluster", Guid.NewGuid().ToString("N"))
            : Path.GetFullPath(options.DataDirectory)).FullName;
        Console.WriteLine($"starting Azurite, the Event Hubs emulator, 1 gateway and {options.Processors} processors; data and logs in {data}");
        var owned = new List<IAsyncDisposable>();
        var silos = new List<SiloNode>();
        try
        {
            var azurite = await AzuriteNode.StartAsync(Path.Combine(data, "azurite"), Path.Combine(data, "azurite.log"), cancellationToken);
            owned.Add(azurite);
            var eventHubs = await EmulatorNode.StartAsync(Path.Combine(data, "eventhubs"), options.Partitions, Path.Combine(data, "emulator.log"), cancellationToken);
            owned.Add(eventHubs);
            var services = new AzureServices(azurite.ConnectionString, eventHubs.ConnectionString, LocalClusterLayout.ClusterId);
            silos.Add(SiloNode.Create(Silo(LocalClusterLayout.Gateway, "gateway", data, options, services) with { HttpPort = options.HttpPort == 0 ? null : options.HttpPort }));
            for (var i = 1; i <= options.Processors; i++)
            {
                silos.Add(SiloNode.Create(Silo(LocalClusterLayout.Processor(i), "processor", data, options, services)));
            }

            // All at once: they join one cluster, and the gateway is ready only once a processor is.
            foreach (var silo in silos)
            {
                silo.Process.Start();
            }

            await Task.WhenAll(silos.Select(silo => silo.WaitReadyAsync(StartTimeout, cancellationToken)));
            Print(silos, azurite, eventHubs, options, data);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: stopping is what was asked.
            return 0;
        }
        finally
        {
            Console.WriteLine("stopping the cluster");
            await Task.WhenAll(silos.Select(static silo => StopAsync(silo.Process)));
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            for (var i = owned.Count - 1; i >= 0; i--)
            {
                await owned[i].DisposeAsync();
            }

            if (temporary)
            {
                TryDelete(data);
            }
        }
    }

    private static SiloStart Silo(string name, string role, string data, ClusterOptions options, AzureServices services) =>
        LocalClusterLayout.Silo(name, role, data, options.AdminKey, services) with { LogPath = Path.Combine(data, name + ".log") };

    /// <summary>One "name: value" line per address, the last one "ready: …": scripts and the deployment test read them.</summary>
    private static void Print(List<SiloNode> silos, AzuriteNode azurite, EmulatorNode eventHubs, ClusterOptions options, string data)
    {
        var gateway = silos[0];
        Console.WriteLine($"gateway: {gateway.Url.GetLeftPart(UriPartial.Authority)}");
        Console.WriteLine($"dashboard: {gateway.Url.GetLeftPart(UriPartial.Authority)}/dashboard/");
        Console.WriteLine($"otlp-grpc: {gateway.OtlpGrpcUrl.GetLeftPart(UriPartial.Authority)}");
        Console.WriteLine($"admin-key: {options.AdminKey}");
        foreach (var processor in silos.Skip(1))
        {
            Console.WriteLine($"{processor.Settings.Name}: {processor.Url.GetLeftPart(UriPartial.Authority)} (health and metrics)");
        }

        Console.WriteLine($"storage: {azurite.ConnectionString}");
        Console.WriteLine($"archive-container: {LocalClusterLayout.ArchiveContainer}");
        Console.WriteLine($"event-hubs: {eventHubs.ConnectionString};EntityPath={EmulatorNode.HubName}");
        Console.WriteLine($"logs: {data}");
        Console.WriteLine("ready: Ctrl+C stops the cluster.");
    }

    private static async Task StopAsync(ChildProcess process)
    {
        try
        {
            await process.TerminateAsync(StopTimeout);
        }
        catch (TimeoutException)
        {
            // Killed by DisposeAsync next.
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner.
        }
    }
}
