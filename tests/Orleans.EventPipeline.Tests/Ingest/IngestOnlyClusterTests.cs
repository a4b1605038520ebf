using System.Net;
using System.Text;
using Orleans.EventPipeline.Streams;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class IngestOnlyClusterTests
{
    /// <summary>
    /// An ingest-only silo acknowledges batches exactly like a full one, but runs no stream receivers:
    /// its consumers read Event Hubs from outside Orleans. A full silo owns all 4 partitions' receivers.
    /// </summary>
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 4)]
    public async Task Post_ProcessingEnabledOrNot_BatchIsDurableAndReceiversRunOnlyWithProcessing(bool processing, int expectedReceivers)
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, $"--Pipeline:Processing:Enabled={processing}");
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        var key = await api.CreateTenantAsync("gateway-tier");
        string[] lines = ["{\"msg\":\"one\"}", "{\"msg\":\"two\"}", "{\"msg\":\"three\"}"];

        using var response = await api.PostAsync(key, Encoding.UTF8.GetBytes(string.Join("\n", lines)), "application/x-ndjson");
        var (events, _) = await StreamReadback.ReadAllAsync(silo.EventHubsConnectionString);
        await using var client = await SiloClient.ConnectAsync(silo);
        var receivers = await client.Client.GetGrain<IManagementGrain>(0).SendControlCommandToProvider<PersistentStreamProvider>(
            PipelineStreams.ProviderName, (int)PersistentStreamProviderCommand.GetNumberRunningAgents);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(lines, events.Where(static e => e.Tenant == "gateway-tier").OrderBy(static e => e.Index).Select(static e => Encoding.UTF8.GetString(e.Bytes)));
        Assert.Equal([expectedReceivers], receivers);
    }
}
