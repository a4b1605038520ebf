using System.Net;
using Orleans.EventPipeline.Tests.Hosting;
using static Orleans.EventPipeline.Tests.Observability.MetricsAccessFixture;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// <c>GET /metrics</c> of a silo without a metrics key: served to a client straight on its loopback, and to nothing else.
/// Before, anyone who reached the ingest port read every tenant's id and traffic from it.
/// </summary>
public sealed class MetricsWithoutKeyTests(MetricsWithoutKeyFixture pipeline) : IClassFixture<MetricsWithoutKeyFixture>
{
    [Fact]
    public async Task FromAnotherAddress_Refused401NamingTheSetting_NoTenantInTheAnswer()
    {
        var (status, body, challenge) = await ScrapeAsync(pipeline.OwnAddress, authorization: null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Bearer", challenge);
        Assert.Contains("Pipeline:Telemetry:MetricsKey", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Tenant, body, StringComparison.Ordinal);
        // An operator whose Prometheus lost every silo after an upgrade learns why from the silo's log.
        await Support.Poll.UntilAsync(
            () => pipeline.Silo.Output.Contains("Pipeline:Telemetry:MetricsKey is not set, so only the silo's own loopback is served", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            () => "the refused scrape logged with the setting to set");
    }

    [Fact]
    public async Task FromAnotherAddress_WithTheAdminKey_Refused()
    {
        var (status, body, _) = await ScrapeAsync(pipeline.OwnAddress, "Bearer " + SiloProcess.AdminKey);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.DoesNotContain(Tenant, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromLoopback_Straight_ServedWithTheTenant()
    {
        var body = await ScrapeNamingTheTenantAsync(pipeline.Silo.BaseAddress, authorization: null);

        Assert.Contains("eventpipeline_ingest_events_total", body, StringComparison.Ordinal);
    }

    /// <summary>A proxy on the machine connects over loopback for whoever reached it; forwarded headers on, a forged 127.0.0.1 too.</summary>
    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("X-Forwarded-For", "127.0.0.1")]
    [InlineData("Forwarded", "for=203.0.113.7")]
    public async Task FromLoopback_RelayedByAProxy_Refused(string header, string value)
    {
        var (status, body, _) = await ScrapeAsync(pipeline.Silo.BaseAddress, authorization: null, (header, value));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.DoesNotContain(Tenant, body, StringComparison.Ordinal);
    }
}
