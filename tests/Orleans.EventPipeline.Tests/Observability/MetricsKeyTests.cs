using System.Net;
using Orleans.EventPipeline.Tests.Hosting;
using static Orleans.EventPipeline.Tests.Observability.MetricsAccessFixture;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>
/// <c>GET /metrics</c> of a silo with <c>Pipeline:Telemetry:MetricsKey</c>: served to a request with that key as its
/// bearer, from anywhere; refused without it or with any other key (the admin key too), loopback included.
/// </summary>
public sealed class MetricsKeyTests(MetricsKeyFixture pipeline) : IClassFixture<MetricsKeyFixture>
{
    [Fact]
    public async Task FromAnotherAddress_WithTheKey_ServedWithTheTenant()
    {
        var body = await ScrapeNamingTheTenantAsync(pipeline.OwnAddress, "Bearer " + MetricsKeyFixture.Key);

        Assert.Contains("eventpipeline_ingest_events_total", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromLoopback_WithTheKey_Served() =>
        await ScrapeNamingTheTenantAsync(pipeline.Silo.BaseAddress, "bearer " + MetricsKeyFixture.Key);

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer scrape-key-0123456789abcdeX")]
    [InlineData("Bearer " + SiloProcess.AdminKey)]
    [InlineData("Basic c2NyYXBlOnNjcmFwZS1rZXktMDEyMzQ1Njc4OWFiY2RlZg==")]
    public async Task WithoutTheKey_Refused401_FromAnotherAddressAndFromLoopback(string? authorization)
    {
        foreach (var address in new[] { pipeline.OwnAddress, pipeline.Silo.BaseAddress })
        {
            var (status, body, challenge) = await ScrapeAsync(address, authorization);

            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("Bearer", challenge);
            Assert.Contains("Send 'Authorization: Bearer <Pipeline:Telemetry:MetricsKey>'", body, StringComparison.Ordinal);
            Assert.DoesNotContain(Tenant, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Key_NeverInTheLog()
    {
        await ScrapeNamingTheTenantAsync(pipeline.OwnAddress, "Bearer " + MetricsKeyFixture.Key);
        await ScrapeAsync(pipeline.OwnAddress, "Bearer wrong-" + MetricsKeyFixture.Key);

        Assert.DoesNotContain(MetricsKeyFixture.Key, pipeline.Silo.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short-key", "Pipeline:Telemetry:MetricsKey is shorter than 16 characters")]
    [InlineData(SiloProcess.AdminKey, "Pipeline:Telemetry:MetricsKey is Pipeline:AdminApiKey")]
    public async Task Start_WrongMetricsKey_ExitsWithTheSettingNamed(string key, string expected)
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, $"--Pipeline:Telemetry:MetricsKey={key}");

        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(78, exit);
        Assert.Contains(expected, silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, silo.Output.Replace(expected, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
