using System.Net;
using System.Text;
using Orleans.EventPipeline.Administration;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// The shared tenant set-up of the load tool, the fault harness and the tests, against the admin API's rule that a
/// null member is refused: a member the caller leaves null (the load tool's shardCount without --shards) must take
/// the tenant's default, not stop every run with a 400.
/// </summary>
public sealed class TenantAdminHelperTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    [Fact]
    public async Task CreateWithKey_ANullMember_TakesTheDefaultAndTheKeyIngests()
    {
        using var http = new HttpClient();
        var key = await TenantAdmin.CreateWithKeyAsync(http, pipeline.Silo.BaseAddress, SiloProcess.AdminKey, "helper-nulls", new
        {
            displayName = "helper-nulls",
            enabled = true,
            shardCount = (int?)null,
        }, "load");

        using var posted = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"n\":1}\n"), "application/x-ndjson");
        using var tenant = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/helper-nulls");

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("\"shardCount\":1", await tenant.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
