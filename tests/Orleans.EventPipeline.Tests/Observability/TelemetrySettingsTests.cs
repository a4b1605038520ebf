using System.Net;
using Orleans.EventPipeline.Silo.Observability;
using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Observability;

public sealed class TelemetrySettingsTests
{
    [Theory]
    [InlineData(0, "", "MaxTenantTags is 0")]
    [InlineData(100_001, "", "MaxTenantTags is 100001")]
    [InlineData(10, "127.0.0.1:4317", "OtlpEndpoint is '127.0.0.1:4317'")]
    [InlineData(10, "ftp://127.0.0.1", "OtlpEndpoint is 'ftp://127.0.0.1'")]
    public void Validate_WrongValue_NamesTheSetting(int maxTenantTags, string otlpEndpoint, string expected)
    {
        var failures = new TelemetryOptions { MaxTenantTags = maxTenantTags, OtlpEndpoint = otlpEndpoint }.Validate(SiloProcess.AdminKey).ToList();

        Assert.Contains(failures, failure => failure.StartsWith("Pipeline:Telemetry:" + expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("short-key", "MetricsKey is shorter than 16 characters")]
    [InlineData(SiloProcess.AdminKey, "MetricsKey is Pipeline:AdminApiKey")]
    [InlineData("metrics-key-0123456789\n", "MetricsKey begins or ends with white space")]
    [InlineData(" metrics-key-0123456789", "MetricsKey begins or ends with white space")]
    public void Validate_WrongMetricsKey_NamesTheSetting(string metricsKey, string expected)
    {
        var failures = new TelemetryOptions { MetricsKey = metricsKey }.Validate(SiloProcess.AdminKey).ToList();

        Assert.StartsWith("Pipeline:Telemetry:" + expected, Assert.Single(failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_Pass() => Assert.Empty(new TelemetryOptions().Validate(SiloProcess.AdminKey));

    [Fact]
    public void Validate_OwnMetricsKey_Passes() => Assert.Empty(new TelemetryOptions { MetricsKey = "metrics-key-0123456789" }.Validate(SiloProcess.AdminKey));

    [Fact]
    public async Task Metrics_PrometheusDisabled_NotServed()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, "--Pipeline:Telemetry:PrometheusEnabled=false");
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
    }

    [Fact]
    public async Task Start_MaxTenantTagsZero_ExitsWithTheSettingNamed()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, "--Pipeline:Telemetry:MaxTenantTags=0");

        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(78, exit);
        Assert.Contains("Pipeline:Telemetry:MaxTenantTags is 0", silo.Output, StringComparison.Ordinal);
    }
}
