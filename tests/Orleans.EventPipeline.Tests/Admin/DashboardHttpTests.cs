using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Ingest;
using Orleans.EventPipeline.Tests.Observability;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>The /ui pages over plain HTTP: their figures, and what they refuse.</summary>
public sealed partial class DashboardHttpTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    private const string Tenant = "figures";

    /// <summary>
    /// The tenants page's live figures are the pipeline's own instruments: after accepted, rejected and throttled
    /// requests, each figure on /ui/ equals the same tenant's series in the /metrics scrape.
    /// </summary>
    [Fact]
    public async Task TenantsPage_ShowsWhatTheMetricsCount()
    {
        // 1 event/s with 3 s of burst: the first two requests fit, the third, of 10 events, is refused with 429.
        var key = await pipeline.Api.CreateTenantAsync(Tenant, new { displayName = "Figures", limits = new { eventsPerSecond = 1.0, bytesPerSecond = 1_000_000.0, burstSeconds = 3.0 } });
        using var good = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"a\":1}\nnot json\n"), "application/x-ndjson");
        using var second = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes("{\"a\":2}\n"), "application/x-ndjson");
        using var throttled = await pipeline.Api.PostAsync(key, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":3}\n", 10))), "application/x-ndjson");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);

        var row = await RowAsync(ui);
        var scrape = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(2, row["events"]);
        Assert.Equal(2, scrape.Sum("eventpipeline_ingest_events_total", ("tenant", Tenant)));
        Assert.Equal(scrape.Sum("eventpipeline_ingest_bytes_total", ("tenant", Tenant)), row["bytes"]);
        // One invalid line, and the 10 events of the throttled request.
        Assert.Equal(11, row["rejected"]);
        Assert.Equal(scrape.Sum("eventpipeline_ingest_rejected_total", ("tenant", Tenant)), row["rejected"]);
        Assert.Equal(1, row["throttled"]);
        Assert.Equal(scrape.Sum("eventpipeline_ingest_throttled_total", ("tenant", Tenant)), row["throttled"]);
    }

    [Fact]
    public async Task Forms_WithoutTheAntiforgeryTokenOrSignIn_ChangeNothing()
    {
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = pipeline.Silo.BaseAddress };
        var form = new Dictionary<string, string> { ["tenantId"] = "forged", ["displayName"] = "Forged" };

        using var noToken = await ui.Http.PostAsync("/ui/tenants", new FormUrlEncodedContent(form));
        using var otherToken = await ui.Http.PostAsync("/ui/tenants", new FormUrlEncodedContent(new Dictionary<string, string>(form) { ["__af"] = "CfDJ8forged" }));
        using var notSignedIn = await anonymous.PostAsync("/ui/tenants", new FormUrlEncodedContent(form));
        using var badId = await ui.Http.GetAsync("/ui/tenants/Not_A_Tenant");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/forged");
        using var cookieOnApi = await ui.Http.GetAsync("/admin/v1/tenants");

        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Contains("anti-forgery token", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, otherToken.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, notSignedIn.StatusCode);
        Assert.StartsWith("/ui/signin", notSignedIn.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, badId.StatusCode);
        Assert.Contains("is not a tenant id", await badId.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        // The sign-in cookie is for the pages: the API still wants the bearer key.
        Assert.Equal(HttpStatusCode.Unauthorized, cookieOnApi.StatusCode);
    }

    /// <summary>
    /// Every form that changes something, posted by the signed-in admin without its anti-forgery token (as another
    /// site's page would make the browser post it): refused with 400, and the tenant, its version and keys unchanged.
    /// </summary>
    [Theory]
    [InlineData("/ui/tenants", "tenantId={tenant}-new&displayName=New", 0)]
    [InlineData("/ui/tenants/{tenant}/settings", "version=1&displayName=Changed&eventsPerSecond=5&bytesPerSecond=5000&burstSeconds=1&shardCount=1&idempotencyWindow=1.00:00:00&processing={}", 1)]
    [InlineData("/ui/tenants/{tenant}/enabled", "enabled=false", 2)]
    [InlineData("/ui/tenants/{tenant}/keys", "name=forged", 3)]
    [InlineData("/ui/tenants/{tenant}/keys/{key}/rotate", "", 4)]
    [InlineData("/ui/tenants/{tenant}/keys/{key}/revoke", "", 5)]
    [InlineData("/ui/tenants/{tenant}/deadletters/replay", "", 6)]
    [InlineData("/ui/tenants/{tenant}/delete", "data=remove", 7)]
    [InlineData("/ui/signout", "", 8)]
    public async Task EveryUiForm_PostedWithoutItsAntiforgeryToken_IsRefusedAndChangesNothing(string path, string form, int route)
    {
        // A tenant of its own per form: one key, version 1.
        var tenant = $"af-{route}";
        await pipeline.Api.CreateTenantAsync(tenant);
        var keyId = await SingleKeyIdAsync(tenant);
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);

        using var posted = await ui.Http.PostAsync(
            path.Replace("{tenant}", tenant, StringComparison.Ordinal).Replace("{key}", keyId, StringComparison.Ordinal),
            new StringContent(form.Replace("{tenant}", tenant, StringComparison.Ordinal), Encoding.UTF8, "application/x-www-form-urlencoded"));
        using var profile = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");
        using var created = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}-new");
        using var stillSignedIn = await ui.Http.GetAsync("/ui/");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("anti-forgery token", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var stored = await ContentTypeIngestTests.ReadJsonAsync(profile);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal(tenant, stored.GetProperty("settings").GetProperty("displayName").GetString());
        Assert.True(stored.GetProperty("settings").GetProperty("enabled").GetBoolean());
        Assert.Equal(1, stored.GetProperty("version").GetInt64());
        var key = Assert.Single(stored.GetProperty("apiKeys").EnumerateArray());
        Assert.Equal(keyId, key.GetProperty("keyId").GetString());
        Assert.False(key.GetProperty("revoked").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillSignedIn.StatusCode);
    }

    [Fact]
    public async Task SignIn_WithoutItsAntiforgeryToken_IsRefusedAndSetsNoCookie()
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = pipeline.Silo.BaseAddress };

        using var posted = await http.PostAsync("/ui/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = SiloProcess.AdminKey, ["returnUrl"] = "/ui/" }));

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.DoesNotContain(cookies.GetAllCookies(), static c => c.Name == "eventpipeline-admin");
    }

    [Fact]
    public async Task CreateForm_IsOnItsOwnPageThatDoesNotRefresh_TheListRefreshesWithoutIt()
    {
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);

        var list = await ui.Http.GetStringAsync("/ui/");
        var create = await ui.Http.GetStringAsync("/ui/new-tenant");

        Assert.Contains("http-equiv=\"refresh\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"tenantId\"", list, StringComparison.Ordinal);
        Assert.Contains("href=\"/ui/new-tenant\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("http-equiv=\"refresh\"", create, StringComparison.Ordinal);
        Assert.Contains("<form method=\"post\" action=\"/ui/tenants\"", create, StringComparison.Ordinal);
        Assert.Contains("name=\"tenantId\"", create, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_NameOver100Characters_IsRefusedWithItsMessage_NotRenamedDefault()
    {
        await pipeline.Api.CreateTenantAsync("long-key-name");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync("/ui/tenants/long-key-name");

        using var posted = await ui.Http.PostAsync("/ui/tenants/long-key-name/keys", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = UiSession.TokenOf(page), ["name"] = new string('k', 101) }));
        var answer = await posted.Content.ReadAsStringAsync();
        using var keys = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/long-key-name/keys");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("No key was created: name is 101 characters long: use at most 100.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("code class=\"secret\"", answer, StringComparison.Ordinal);
        var key = Assert.Single((await ContentTypeIngestTests.ReadJsonAsync(keys)).GetProperty("keys").EnumerateArray());
        Assert.Equal("test", key.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("to=0001-01-01T00:00:00Z")]
    [InlineData("from=0001-01-01T00:00:00Z&to=0001-01-01T00:00:00Z")]
    [InlineData("to=9999-12-31T23:59:59.9999999Z")]
    public async Task TenantPage_ArchiveRangeAtTheEdgesOfTime_IsAPageNotA500(string query)
    {
        await pipeline.Api.CreateTenantAsync("edge-times");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);

        using var page = await ui.Http.GetAsync($"/ui/tenants/edge-times?{query}");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("No archive objects in this range.", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string> SingleKeyIdAsync(string tenantId)
    {
        using var list = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenantId}/keys");
        return Assert.Single((await ContentTypeIngestTests.ReadJsonAsync(list)).GetProperty("keys").EnumerateArray()).GetProperty("keyId").GetString()!;
    }

    private static async Task<Dictionary<string, double>> RowAsync(UiSession ui)
    {
        var page = await ui.Http.GetStringAsync("/ui/");
        var row = Row().Match(page);
        Assert.True(row.Success, $"the tenants page has no row for {Tenant}");
        return Cell().Matches(row.Value).ToDictionary(
            static match => match.Groups["name"].Value,
            static match => double.Parse(match.Groups["value"].Value, NumberStyles.Number, CultureInfo.InvariantCulture));
    }

    private async Task<PrometheusScrape> ScrapeAsync()
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        return new PrometheusScrape(await http.GetStringAsync("/metrics"));
    }

    [GeneratedRegex("<tr data-tenant=\"figures\">.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<td class=\"num (?<name>[a-z]+)\">(?<value>[0-9,.]+)</td>")]
    private static partial Regex Cell();
}
