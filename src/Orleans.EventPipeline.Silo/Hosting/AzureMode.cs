using System.Net;
using Orleans.Configuration;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Streaming.Hosting;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>Azure mode: Table storage for membership, grain state and checkpoints; Azure Event Hubs for the stream.</summary>
internal static class AzureMode
{
    public static void UseAzureMode(this ISiloBuilder silo, PipelineSettings settings, AzureClients clients)
    {
        var options = settings.Pipeline;
        var azure = options.Azure;
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
        silo.UseAzureStorageClustering(table => table.TableServiceClient = clients.Tables);
        silo.AddAzureTableGrainStorage(PipelineStorage.Tenants, table => table.TableServiceClient = clients.Tables);
        silo.AddAzureTableGrainStorage("PubSubStore", table => table.TableServiceClient = clients.Tables);
        silo.AddPipelineStreams(
            settings.StreamCache,
            (eventHub, _) =>
            {
                if (azure.EventHubsConnectionString.Length > 0)
                {
                    eventHub.ConfigureEventHubConnection(azure.EventHubsConnectionString, options.EventHubName, options.ConsumerGroup);
                }
                else
                {
                    eventHub.ConfigureEventHubConnection(azure.EventHubsNamespace, options.EventHubName, options.ConsumerGroup, clients.Credential);
                }
            },
            streams =>
            {
                streams.UseAzureTableCheckpointer(builder => builder.Configure(checkpoints =>
                {
                    checkpoints.TableServiceClient = clients.Tables;
                    // Orleans' default; a crash replays at most a minute of events, which the archive dedupes.
                    checkpoints.PersistInterval = TimeSpan.FromMinutes(1);
                }));
                streams.UseReceiverRole(settings);
            });
    }
}
