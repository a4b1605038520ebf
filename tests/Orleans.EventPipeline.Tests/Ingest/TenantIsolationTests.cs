using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Ingest;

public sealed class TenantIsolationTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    [Fact]
    public async Task Post_EachTenantsKey_EventsLandOnlyUnderThatTenant()
    {
        var keyA = await pipeline.Api.CreateTenantAsync("iso-a");
        var keyB = await pipeline.Api.CreateTenantAsync("iso-b");

        using var a = await pipeline.Api.PostAsync(keyA, Encoding.UTF8.GetBytes("{\"from\":\"a\"}\n{\"from\":\"a\"}"), "application/x-ndjson");
        using var b = await pipeline.Api.PostAsync(keyB, Encoding.UTF8.GetBytes("{\"from\":\"b\"}"), "application/x-ndjson");
        var (events, _) = await StreamReadback.ReadAllAsync(pipeline.Silo.EventHubsConnectionString);

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        var mine = events.Where(static e => e.Tenant.StartsWith("iso-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, mine.Count);
        Assert.All(mine, static e => Assert.Contains($"\"from\":\"{e.Tenant[^1]}\"", Encoding.UTF8.GetString(e.Bytes), StringComparison.Ordinal));
        Assert.All(mine, static e => Assert.Equal(e.Tenant, e.PartitionKey));
    }

    [Fact]
    public async Task Admin_WithoutAdminKey_IsRefused()
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };

        using var response = await http.PutAsync(new Uri("/admin/v1/tenants/intruder", UriKind.Relative), new StringContent("{\"displayName\":\"x\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
