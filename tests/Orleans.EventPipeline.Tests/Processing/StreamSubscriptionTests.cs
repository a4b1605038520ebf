using System.Text;
using Orleans.EventPipeline.Tests.Observability;

namespace Orleans.EventPipeline.Tests.Processing;

[Collection(ProcessingSiloGroup.Name)]
public sealed class StreamSubscriptionTests(ProcessingPipelineFixture pipeline)
{
    [Fact]
    public async Task TenantStreamsDelivered_NoPubSubGrainPerStream()
    {
        // Dead letters too: a plain line under RFC 5424 (TextFormat 1) goes to the tenant's dead-letter stream.
        var key = await pipeline.Api.CreateTenantAsync("subs", new { displayName = "subs", processing = new { normalization = new { textFormat = 1 } } });
        using var response = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("<13>1 2024-05-01T12:00:00Z host app - - - kept\nbroken\n"), "text/plain");
        response.EnsureSuccessStatusCode();
        await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, "subs", static e => e.Count >= 1, TimeSpan.FromSeconds(60));
        await AdminCalls.WaitForAsync(pipeline.Silo.BaseAddress, "/admin/v1/tenants/subs/deadletters", static j => j.GetProperty("total").GetInt64() >= 1, TimeSpan.FromSeconds(60));

        var scrape = await PrometheusScrape.FetchAsync(pipeline.Silo.BaseAddress);

        // Implicit subscriptions only: Orleans' default kept a pub-sub grain (and a stored record) per stream key.
        Assert.True(scrape.Sum("orleans_catalog_activations", ("grain_type", "tenantstreamprocessor")) >= 1, "the processor's activations are not in the scrape: the test reads the wrong metric");
        Assert.Equal(0, scrape.Sum("orleans_catalog_activations", ("grain_type", "pubsubrendezvous")));
    }
}
