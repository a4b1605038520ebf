using System.Net;
using System.Text.Json;

namespace Orleans.EventPipeline.Tests.Hosting;

public sealed class HostEndpointTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Endpoints_HostStarted_HealthReadyAndDashboardAnswer()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path);
        await silo.WaitForReadyAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        using var dashboardRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/dashboard/", UriKind.Relative));
        dashboardRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        using var dashboard = await http.SendAsync(dashboardRequest);
        var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        var page = await dashboard.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", readiness.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
        Assert.Equal("Healthy", readiness.GetProperty("checks").GetProperty("grain-storage").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
        Assert.True(File.Exists(Path.Combine(data.Path, "grains.db")), "the grain store is kept under the data directory");
    }

    [Fact]
    public async Task Terminate_Sigterm_ExitsGracefullyWithZero()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path);
        await silo.WaitForReadyAsync(StartTimeout);

        var exitCode = await silo.TerminateAsync(TimeSpan.FromSeconds(45));

        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", silo.Output, StringComparison.Ordinal);
    }
}
