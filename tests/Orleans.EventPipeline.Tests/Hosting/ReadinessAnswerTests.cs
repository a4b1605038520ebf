using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// <c>/readyz</c> told any caller the silo's address, the grain store's path and the emulator's endpoint (helper-123).
/// Probes and load balancers need only the status code and each check's name and status, which every caller still
/// gets; what each check found is for a caller with the admin key.
/// </summary>
public sealed class ReadinessAnswerTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    [Fact]
    public async Task Readyz_WithoutTheAdminKey_StatusAndEachChecksStatusOnly_WithItWhatEachCheckFound()
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };

        var (anonymousStatus, anonymous) = await ReadAsync(http, key: null);
        var (wrongKeyStatus, wrongKey) = await ReadAsync(http, "not-the-admin-key-0123456789");
        var (adminStatus, admin) = await ReadAsync(http, SiloProcess.AdminKey);

        Assert.All([anonymousStatus, wrongKeyStatus, adminStatus], static status => Assert.Equal(HttpStatusCode.OK, status));
        var grainStore = Path.Combine(pipeline.DataDirectory, "grains.db");
        var checks = admin.GetProperty("checks");
        Assert.Equal(["event-hubs", "grain-storage", "processors", "silo", "warm-up"], checks.EnumerateObject().Select(static c => c.Name).Order(StringComparer.Ordinal));
        Assert.Contains(grainStore, checks.GetProperty("grain-storage").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("is active", checks.GetProperty("silo").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("listening on", checks.GetProperty("event-hubs").GetProperty("description").GetString(), StringComparison.Ordinal);
        foreach (var shortAnswer in new[] { anonymous, wrongKey })
        {
            Assert.Equal(admin.GetProperty("status").GetString(), shortAnswer.GetProperty("status").GetString());
            Assert.Equal(
                checks.EnumerateObject().Select(static c => (c.Name, c.Value.GetProperty("status").GetString())),
                shortAnswer.GetProperty("checks").EnumerateObject().Select(static c => (c.Name, c.Value.GetProperty("status").GetString())));
            Assert.All(shortAnswer.GetProperty("checks").EnumerateObject(), static c => Assert.Equal(["status"], c.Value.EnumerateObject().Select(static p => p.Name)));
            var text = shortAnswer.GetRawText();
            Assert.DoesNotContain(pipeline.DataDirectory, text, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A probe set up with a tenant's ingest key instead of the admin key: the short answer, and no wrong admin key
    /// counted (before, each poll was one, logged as a warning, and its address was refused the admin API after 10).
    /// A key that is no tenant's still counts.
    /// </summary>
    [Fact]
    public async Task Readyz_WithATenantsKey_ShortAnswerNotCountedAsAWrongAdminKey_AnyOtherKeyStillCounted()
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        var tenantKey = await pipeline.Api.CreateTenantAsync("readyz-probe");
        var before = Failures(await PrometheusScrape.FetchAsync(pipeline.Silo.BaseAddress));

        var answers = new List<(HttpStatusCode Status, JsonElement Body)>();
        for (var i = 0; i < AdminAuthFailures.MaxFailures + 2; i++)
        {
            answers.Add(await ReadAsync(http, tenantKey));
        }

        // Then a key that is no tenant's: once the scrape counts it, it holds every count before it (the exporter caches its answer briefly).
        await ReadAsync(http, "no-tenants-key-nor-the-admin-key");
        var counted = 0.0;
        await Poll.UntilAsync(
            () => (counted = Failures(PrometheusScrape.FetchAsync(pipeline.Silo.BaseAddress).GetAwaiter().GetResult()) - before) >= 1,
            TimeSpan.FromSeconds(10),
            () => "the wrong key was never counted");

        Assert.All(answers, static answer =>
        {
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.All(answer.Body.GetProperty("checks").EnumerateObject(), static c => Assert.Equal(["status"], c.Value.EnumerateObject().Select(static p => p.Name)));
        });
        Assert.Equal(1, counted);
    }

    private static double Failures(PrometheusScrape scrape) => scrape.Sum("eventpipeline_admin_auth_failures_total", ("surface", "api"));

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpClient http, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/readyz", UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await http.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }
}
