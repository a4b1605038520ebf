using System.Security.Cryptography;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Grains.Ingest;
using Orleans.EventPipeline.Persistence.Sqlite;
using Orleans.EventPipeline.Persistence.Sqlite.Hosting;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Streaming.Hosting;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Local mode: everything in this process and under the data directory. The Event Hubs emulator is a hosted
/// service of the same host. Orleans starts its silo while the host builds the hosted services, so the silo's
/// start is logged before the emulator opens its partitions (seen 2026-12-06: about 0.4 s apart); the emulator
/// listens well within the ~12 s after which a silo that cannot reach its event hub aborts.
/// </summary>
internal static class LocalMode
{
    public const string KeyName = "RootManageSharedAccessKey";

    /// <summary>
    /// Adds the emulator and returns the connection string the silo reaches it with. Orleans reads
    /// its stream options while the host resolves services, before any hosted service has started,
    /// so the port is fixed here (a free one is chosen now when the setting is 0).
    /// </summary>
    public static string AddEmbeddedEventHubs(this WebApplicationBuilder builder, PipelineOptions options, string dataDirectory)
    {
        var port = options.Local.EventHubsPort != 0 ? options.Local.EventHubsPort : FreeTcpPorts.Pick(1)[0];
        // Unless configured, the emulator and the silo share a key made at each start: no fixed
        // secret ships with the product.
        var key = options.Local.EventHubsSharedAccessKey.Length > 0
            ? options.Local.EventHubsSharedAccessKey
            : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        builder.Services.AddEventHubsEmulator(emulator => ConfigureEmulator(emulator, options, dataDirectory, port, key));
        return $"Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName={KeyName};SharedAccessKey={key};UseDevelopmentEmulator=true";
    }

    private static void ConfigureEmulator(EmulatorOptions emulator, PipelineOptions options, string dataDirectory, int port, string key)
    {
        emulator.ListenAddress = "127.0.0.1";
        emulator.Port = port;
        emulator.DataDirectory = Path.Combine(dataDirectory, "eventhubs");
        emulator.SharedAccessKeys[KeyName] = key;
        emulator.RetentionPeriod = options.Local.RetentionPeriod;
        emulator.RetentionBytesPerPartition = options.Local.RetentionBytesPerPartition;
        emulator.SegmentBytes = LocalModeOptions.SegmentBytes;
        emulator.Hubs[options.EventHubName] = new EventHubDefinition
        {
            PartitionCount = options.Local.PartitionCount,
            ConsumerGroups = [options.ConsumerGroup],
        };
    }

    public static void UseLocalMode(this ISiloBuilder silo, PipelineSettings settings, string dataDirectory, string eventHubsConnectionString)
    {
        var options = settings.Pipeline;
        var database = Path.Combine(dataDirectory, "grains.db");
        silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        void InTheFile(SqliteGrainStorageOptions sqlite)
        {
            sqlite.DatabasePath = database;
            // Swept by Idempotency/IdempotencyRecordSweeper; every other state of the pipeline is kept. Records written
            // before they carried their time are given the longest any record is kept.
            sqlite.ForgetAfter = static state => (state as IdempotencyRecord)?.ForgetAfter();
            sqlite.ForgetOnUpgrade = new Dictionary<string, TimeSpan> { [IdempotencyRecord.StateName] = IdempotencyRecord.LongestKept };
        }

        silo.AddSqliteGrainStorage(PipelineStorage.Tenants, InTheFile);
        // Stream subscriptions and partition checkpoints (the grain checkpointer's default store), in the same file.
        silo.AddSqliteGrainStorage("PubSubStore", InTheFile);
        silo.AddPipelineStreams(
            settings.StreamCache,
            (eventHub, _) => eventHub.ConfigureEventHubConnection(eventHubsConnectionString, options.EventHubName, options.ConsumerGroup),
            streams =>
            {
                streams.UseGrainCheckpointer();
                streams.UseReceiverRole(settings);
            });
    }
}
