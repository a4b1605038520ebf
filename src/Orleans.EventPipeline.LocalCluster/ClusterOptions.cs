using System.CommandLine;
using Orleans.EventPipeline.Processes;

namespace Orleans.EventPipeline.LocalCluster;

/// <summary>Command-line settings of the local cluster, parsed by System.CommandLine (<c>--help</c> lists them).</summary>
internal sealed class ClusterOptions
{
    private static readonly Option<int> HttpPortOption = Port(new("--http-port") { Description = "The gateway's HTTP port on 127.0.0.1 (ingest, shippers, admin, dashboard); 0 picks a free one.", DefaultValueFactory = static _ => LocalClusterLayout.DefaultHttpPort });
    private static readonly Option<int> ProcessorsOption = AtLeast(new("--processors") { Description = "Processor silos (tenant grains and Event Hubs receivers).", DefaultValueFactory = static _ => LocalClusterLayout.DefaultProcessors }, 1);
    private static readonly Option<int> PartitionsOption = AtLeast(new("--partitions") { Description = "Partitions of the emulator's event hub; processors beyond this many read none.", DefaultValueFactory = static _ => LocalClusterLayout.DefaultPartitions }, 1);
    private static readonly Option<string> AdminKeyOption = new("--admin-key") { Description = "The gateway's admin key (Pipeline:AdminApiKey), at least 16 characters.", DefaultValueFactory = static _ => LocalClusterLayout.DefaultAdminKey };
    private static readonly Option<string> DataOption = new("--data") { Description = "Directory for every process's data and log; kept. Left out: a fresh temporary one, deleted on exit.", DefaultValueFactory = static _ => "" };

    public int HttpPort { get; private init; }

    public int Processors { get; private init; }

    public int Partitions { get; private init; }

    public string AdminKey { get; private init; } = "";

    public string DataDirectory { get; private init; } = "";

    public static RootCommand Command(Func<ClusterOptions, CancellationToken, Task<int>> run)
    {
        var command = new RootCommand("Starts the pipeline as a cluster on this machine: Azurite (Table and Blob storage), the standalone Event Hubs emulator, one gateway silo and processor silos in azure mode on loopback. Ctrl+C or SIGTERM stops them all.")
        {
            HttpPortOption, ProcessorsOption, PartitionsOption, AdminKeyOption, DataOption,
        };
        command.SetAction((result, cancellationToken) => run(From(result), cancellationToken));
        return command;
    }

    private static ClusterOptions From(ParseResult result) => new()
    {
        HttpPort = result.GetValue(HttpPortOption),
        Processors = result.GetValue(ProcessorsOption),
        Partitions = result.GetValue(PartitionsOption),
        AdminKey = result.GetRequiredValue(AdminKeyOption),
        DataDirectory = result.GetRequiredValue(DataOption),
    };

    private static Option<int> AtLeast(Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}.");
            }
        });
        return option;
    }

    private static Option<int> Port(Option<int> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 65535)
            {
                result.AddError($"{option.Name} must be a TCP port (1 to 65535), or 0 for a free one.");
            }
        });
        return option;
    }
}
