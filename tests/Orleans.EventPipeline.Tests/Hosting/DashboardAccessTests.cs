using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>The Orleans Dashboard (and its live log stream) answers only to the admin key.</summary>
public sealed class DashboardAccessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Dashboard_AdminKeySet_OnlyTheAdminCredentialOpensPagesAndTrace()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path);
        await silo.WaitForReadyAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        using var page = await GetAsync(http, "/dashboard/", null);
        using var trace = await GetAsync(http, "/dashboard/Trace", null);
        using var counters = await GetAsync(http, "/dashboard/DashboardCounters", null);
        using var wrongBearer = await GetAsync(http, "/dashboard/", new AuthenticationHeaderValue("Bearer", "not-the-admin-key-0123"));
        using var wrongBasic = await GetAsync(http, "/dashboard/Trace", Basic("admin", "not-the-admin-key-0123"));
        using var bearerPage = await GetAsync(http, "/dashboard/", new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey));
        using var basicPage = await GetAsync(http, "/dashboard/", Basic("anyone", SiloProcess.AdminKey));
        using var bearerTrace = await GetAsync(http, "/dashboard/Trace", new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey));

        foreach (var refused in new[] { page, trace, counters, wrongBearer, wrongBasic })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            // The challenge makes a browser ask for the key.
            Assert.Contains(refused.Headers.WwwAuthenticate, static challenge => challenge.Scheme == "Basic");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.OK, bearerPage.StatusCode);
        Assert.Contains("<html", await bearerPage.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, basicPage.StatusCode);
        Assert.Contains("<html", await basicPage.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, bearerTrace.StatusCode);
        // Never framed by another site, never sniffed, the log stream as text (before: none of these; helper-115).
        foreach (var served in new[] { bearerPage, basicPage, bearerTrace })
        {
            Assert.Equal("frame-ancestors 'none'", served.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("DENY", served.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", served.Headers.GetValues("X-Content-Type-Options").Single());
        }

        Assert.Equal("text/plain", bearerTrace.Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/html", bearerPage.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task NoAdminKey_TheDashboardAndTheAdminApiAreOff_403InTheProblemShape()
    {
        using var data = new TempDirectory();
        // The later argument wins: this silo runs with the admin API (and so the dashboard) off.
        await using var silo = SiloProcess.Start(data.Path, "--Pipeline:AdminApiKey=");
        await silo.WaitForReadyAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        foreach (var path in new[] { "/dashboard/", "/dashboard/Trace", "/dashboard/DashboardCounters" })
        {
            using var response = await GetAsync(http, path, Basic("admin", ""));
            var body = await response.Content.ReadAsStringAsync();
            using var problem = System.Text.Json.JsonDocument.Parse(body);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("Pipeline:AdminApiKey", body, StringComparison.Ordinal);
            Assert.DoesNotContain("<html", body, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("dashboard_disabled", problem.RootElement.GetProperty("error").GetString());
        }

        // The admin API too, whatever is presented: even the key the other tests use opens nothing here.
        foreach (var authorization in new AuthenticationHeaderValue?[] { null, new("Bearer", SiloProcess.AdminKey) })
        {
            using var response = await GetAsync(http, "/admin/v1/tenants", authorization);

            await Ingest.IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.Forbidden, "admin_disabled", "set Pipeline:AdminApiKey");
        }
    }

    // Headers only: /dashboard/Trace streams the log for as long as the request stays open.
    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
