using System.Net;
using Azure.Data.Tables;
using Azure.Identity;
using Orleans.Configuration;
using Orleans.EventPipeline.Streaming.Hosting;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Azure mode: Table storage for membership, grain state and checkpoints; Azure Event Hubs for the stream.</summary>
internal static class AzureMode
{
    public static void UseAzureMode(this ISiloBuilder silo, PipelineOptions options)
    {
        var azure = options.Azure;
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
        silo.UseAzureStorageClustering(table => table.TableServiceClient = CreateTableClient(azure));
        silo.AddAzureTableGrainStorage(PipelineStorage.Tenants, table => table.TableServiceClient = CreateTableClient(azure));
        silo.AddAzureTableGrainStorage("PubSubStore", table => table.TableServiceClient = CreateTableClient(azure));
        silo.AddPipelineStreams(
            (eventHub, _) =>
            {
                if (azure.EventHubsConnectionString.Length > 0)
                {
                    eventHub.ConfigureEventHubConnection(azure.EventHubsConnectionString, options.EventHubName, options.ConsumerGroup);
                }
                else
                {
                    eventHub.ConfigureEventHubConnection(azure.EventHubsNamespace, options.EventHubName, options.ConsumerGroup, new DefaultAzureCredential());
                }
            },
            configurator => configurator.UseAzureTableCheckpointer(builder => builder.Configure(checkpoints =>
            {
                checkpoints.TableServiceClient = CreateTableClient(azure);
                // Orleans' default; a crash replays at most a minute of events, which the archive dedupes.
                checkpoints.PersistInterval = TimeSpan.FromMinutes(1);
            })),
            options.Processing.Enabled);
    }

    public static TableServiceClient CreateTableClient(AzureModeOptions azure) =>
        azure.StorageConnectionString.Length > 0
            ? new TableServiceClient(azure.StorageConnectionString)
            : new TableServiceClient(new Uri(azure.TableServiceUri), new DefaultAzureCredential());
}
