using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tenants;
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

        // The page reads the cluster's aggregate, which the silo pushes to every 2 s.
        var row = new Dictionary<string, double>();
        await Poll.UntilAsync(
            () =>
            {
                row = RowAsync(ui).GetAwaiter().GetResult();
                return row["events"] == 2 && row["throttled"] == 1;
            },
            TimeSpan.FromSeconds(30),
            () => $"the row to count 2 events and 1 throttled, it shows {string.Join(", ", row)}");
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

    /// <summary>
    /// A sign-in link whose return path holds a CR, LF or a character outside ASCII (helper-115): the redirect threw
    /// setting the Location header, so the admin who typed the right key got a 500 and was not signed in.
    /// </summary>
    [Theory]
    [InlineData("/ui/tenants/acme\r\nX-Injected: 1", "/ui/")]
    [InlineData("/ui/\u00e9", "/ui/")]
    [InlineData("/ui/tenants/acme ", "/ui/")]
    [InlineData("/ui/tenants/acme?q=%C3%A9", "/ui/tenants/acme?q=%C3%A9")]
    public async Task SignIn_ReturnPathNotPrintableAscii_SignsInToTheTenantsPage(string returnUrl, string location)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = pipeline.Silo.BaseAddress };
        var form = await http.GetStringAsync("/ui/signin");

        using var posted = await http.PostAsync("/ui/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = UiSession.TokenOf(form), ["key"] = SiloProcess.AdminKey, ["returnUrl"] = returnUrl,
        }));

        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal(location, posted.Headers.Location?.OriginalString);
        Assert.Contains(cookies.GetAllCookies(), static c => c.Name == "eventpipeline-admin");
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

    /// <summary>
    /// A <c>from</c> or <c>to</c> that is not a time is a 400 page naming it and the form a time takes, and lists nothing,
    /// as the API answers 400; its field is left empty rather than showing the default. Before, it was read as absent: the
    /// page listed the default range as if it were the one asked for. Valid values, and a cleared (empty) field, still list.
    /// </summary>
    [Theory]
    [InlineData("from=yesterday", "from 'yesterday' is not a time", "from")]
    [InlineData("from=2024-06-02T08:00:00Z&to=2024-13-45", "to '2024-13-45' is not a time", "to")]
    [InlineData("from=soon&to=later", "from 'soon' and to 'later' are not times", "to")]
    public async Task TenantPage_ArchiveRangeValueThatIsNotATime_Is400NamingItAndTheForm_ListsNothing(string query, string named, string emptyField)
    {
        await pipeline.Api.CreateTenantAsync("bad-range");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);

        using var bad = await ui.Http.GetAsync($"/ui/tenants/bad-range?{query}");
        using var valid = await ui.Http.GetAsync("/ui/tenants/bad-range?from=2024-06-02T08:00:00Z&to=2024-06-02T09:30");
        using var cleared = await ui.Http.GetAsync("/ui/tenants/bad-range?from=&to=");

        var badPage = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains($"Nothing was listed: {named}. Use ISO 8601 such as 2024-06-02T08:00:00Z, from 0001-01-01T00:00:00.0000000+00:00 to 9999-12-31T23:59:59.9999999+00:00 in UTC", badPage, StringComparison.Ordinal);
        Assert.DoesNotContain("No archive objects in this range.", badPage, StringComparison.Ordinal);
        Assert.DoesNotContain("<th>Hour</th>", badPage, StringComparison.Ordinal);
        Assert.Contains($"name=\"{emptyField}\" value=\"\"", badPage, StringComparison.Ordinal);
        var validPage = WebUtility.HtmlDecode(await valid.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Contains("No archive objects in this range.", validPage, StringComparison.Ordinal);
        Assert.Contains("name=\"from\" value=\"2024-06-02T08:00\"", validPage, StringComparison.Ordinal);
        Assert.Contains("name=\"to\" value=\"2024-06-02T09:30\"", validPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Contains("No archive objects in this range.", await cleared.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // The delete, disable and enable forms sent no version: a change made after the page was shown was overwritten (data=remove after a PUT).
    [Theory]
    [InlineData("delete", "data=remove", "Not deleted")]
    [InlineData("enabled", "enabled=false", "Not disabled")]
    public async Task TenantForm_PostedAfterSomeoneElsesChange_IsTheChangedNotice_AndChangesNothing(string form, string fields, string notDone)
    {
        var tenant = "stale-" + form;
        var key = await pipeline.Api.CreateTenantAsync(tenant);
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync($"/ui/tenants/{tenant}");
        var shown = FormVersion(page, $"/ui/tenants/{tenant}/{form}");
        using var concurrent = await pipeline.Api.PutTenantAsync(tenant, new { displayName = "Changed meanwhile", limits = new { eventsPerSecond = 5.0, bytesPerSecond = 5000.0, burstSeconds = 1.0 } });

        using var posted = await PostFormAsync(ui, page, $"/ui/tenants/{tenant}/{form}", $"{fields}&version={shown}");
        var answer = await posted.Content.ReadAsStringAsync();
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");
        using var ingest = await pipeline.Api.PostAsync(key, "{\"a\":1}"u8.ToArray(), "application/x-ndjson");

        Assert.Equal("1", shown);
        Assert.Equal(HttpStatusCode.OK, concurrent.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, posted.StatusCode);
        Assert.Contains($"{notDone}: someone changed this tenant since you opened it (it is at version 2 now)", answer, StringComparison.Ordinal);
        var stored = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(2, stored.GetProperty("version").GetInt64());
        Assert.Equal("Changed meanwhile", stored.GetProperty("settings").GetProperty("displayName").GetString());
        Assert.True(stored.GetProperty("settings").GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
    }

    [Fact]
    public async Task DisableThenEnableForms_WithTheVersionShown_AreDone()
    {
        await pipeline.Api.CreateTenantAsync("fresh-enabled");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync("/ui/tenants/fresh-enabled");

        using var disabled = await PostFormAsync(ui, page, "/ui/tenants/fresh-enabled/enabled", $"enabled=false&version={FormVersion(page, "/ui/tenants/fresh-enabled/enabled")}");
        var disabledPage = await disabled.Content.ReadAsStringAsync();
        using var enabled = await PostFormAsync(ui, disabledPage, "/ui/tenants/fresh-enabled/enabled", $"enabled=true&version={FormVersion(disabledPage, "/ui/tenants/fresh-enabled/enabled")}");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/fresh-enabled");

        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Contains("Disabled: the tenant's requests are refused", disabledPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var stored = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(3, stored.GetProperty("version").GetInt64());
        Assert.True(stored.GetProperty("settings").GetProperty("enabled").GetBoolean());
    }

    // A version that is not a number was answered as a concurrent change (409, "someone changed this tenant").
    [Theory]
    [InlineData("settings", "abc")]
    [InlineData("settings", "")]
    [InlineData("settings", "-1")]
    [InlineData("enabled", "abc")]
    [InlineData("enabled", "")]
    [InlineData("delete", "-1")]
    [InlineData("delete", "")]
    public async Task TenantForm_VersionNotANumber_Is400Message_NotTheChangedNotice(string form, string version)
    {
        var tenant = $"bad-version-{form}-{version switch { "" => "empty", "-1" => "negative", _ => version }}";
        await pipeline.Api.CreateTenantAsync(tenant);
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync($"/ui/tenants/{tenant}");
        var fields = form switch
        {
            "settings" => "displayName=Changed&eventsPerSecond=5&bytesPerSecond=5000&burstSeconds=1&shardCount=1&idempotencyWindow=1.00:00:00&processing={}",
            "enabled" => "enabled=false",
            _ => "data=remove",
        };

        using var posted = await PostFormAsync(ui, page, $"/ui/tenants/{tenant}/{form}", $"{fields}&version={version}");
        var answer = await posted.Content.ReadAsStringAsync();
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains(Html($"the form's version '{version}' is not a version number"), answer, StringComparison.Ordinal);
        Assert.DoesNotContain("someone changed", answer, StringComparison.Ordinal);
        var stored = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(1, stored.GetProperty("version").GetInt64());
        Assert.Equal(tenant, stored.GetProperty("settings").GetProperty("displayName").GetString());
    }

    /// <summary>
    /// A form over the form reader's limits (one value of 4 MiB) was answered "its anti-forgery token is missing or
    /// stale" (helper-115), which sends the admin to reload and resend the same form; now a 413 saying it is too large.
    /// </summary>
    [Fact]
    public async Task SettingsForm_ValueOverTheFormLimit_Is413SayingTooLarge_NotTheTokenMessage()
    {
        const string tenant = "form-too-large";
        await pipeline.Api.CreateTenantAsync(tenant);
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync($"/ui/tenants/{tenant}");
        var processing = "{\"staticFields\":{\"x\":\"" + new string('a', 5 * 1024 * 1024) + "\"}}";

        using var posted = await PostFormAsync(ui, page, $"/ui/tenants/{tenant}/settings",
            $"displayName=Changed&eventsPerSecond=5&bytesPerSecond=5000&burstSeconds=1&shardCount=1&idempotencyWindow=1.00:00:00&version=1&processing={Uri.EscapeDataString(processing)}");
        var answer = await posted.Content.ReadAsStringAsync();
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, posted.StatusCode);
        Assert.Contains("it is too large (Form key length limit 2048 or value length limit 4194304 exceeded). Send smaller settings.", Regex.Match(answer, "<div class=\"notice[^>]*>.*?</div>").Value, StringComparison.Ordinal);
        Assert.DoesNotContain("anti-forgery", answer, StringComparison.Ordinal);
        var stored = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(1, stored.GetProperty("version").GetInt64());
    }

    /// <summary>
    /// The processing box was read leniently where the API refuses (helper-138): a misspelt member was ignored and a member
    /// given twice took the last, so "Saved" put the static fields and the lateness window back to their defaults unasked.
    /// Now the form refuses them as the API does, naming the member, and nothing changes.
    /// </summary>
    [Theory]
    [InlineData("""{"enrichment":{"staticFeilds":{"site":"paris"}}}""", "$.enrichment.staticFeilds is not a member this API knows")]
    [InlineData("""{"ordering":{"enabled":true,"enabled":false}}""", "processing is not valid JSON for the processing settings: $.ordering.enabled is given more than once")]
    [InlineData("""{"enrichment":{"staticFields":{"a":"1","a":"2"}}}""", "processing is not valid JSON for the processing settings: $.enrichment.staticFields.a is given more than once")]
    public async Task SettingsForm_ProcessingWithAMisspeltOrRepeatedMember_IsRefusedNamingIt_NothingChanges(string processing, string expected)
    {
        var tenant = "ui-strict-" + (processing.Contains("Feilds", StringComparison.Ordinal) ? "misspelt" : processing.Contains("ordering", StringComparison.Ordinal) ? "repeated" : "repeated-key");
        await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { enrichment = new { staticFields = new Dictionary<string, string> { ["site"] = "berlin" } } } });
        var (posted, answer) = await PostSettingsAsync(tenant, new() { ["processing"] = processing });
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");

        Assert.Equal(HttpStatusCode.BadRequest, posted);
        Assert.Contains(Html(expected), answer, StringComparison.Ordinal);
        var stored = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(1, stored.GetProperty("version").GetInt64());
        Assert.Equal("berlin", stored.GetProperty("settings").GetProperty("processing").GetProperty("enrichment").GetProperty("staticFields").GetProperty("site").GetString());
    }

    /// <summary>
    /// A NUL in any field made the form reader refuse the form, which the page took for a form over its size limits
    /// (helper-138): "413, it is too large, send smaller settings". Now a 400 saying a field holds a character a form may
    /// not carry; the tenant is not created.
    /// </summary>
    [Fact]
    public async Task CreateForm_NulInAField_Is400SayingSo_NotTooLarge()
    {
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync("/ui/new-tenant");

        using var posted = await PostFormAsync(ui, page, "/ui/tenants", "tenantId=ui-nul-create&displayName=a%00b");
        var answer = await posted.Content.ReadAsStringAsync();
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/ui-nul-create");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("it could not be read (The form value contains invalid characters). A field holds a character a form may not carry, such as a NUL", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("too large", answer, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    /// <summary>A multipart form without its boundary cannot be read either: a 400 naming why, without the NUL advice (helper-139).</summary>
    [Fact]
    public async Task CreateForm_MultipartWithoutBoundary_Is400NamingWhy()
    {
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        await ui.Http.GetStringAsync("/ui/new-tenant");

        using var content = new StringContent("tenantId=ui-no-boundary", Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("multipart/form-data");
        using var posted = await ui.Http.PostAsync("/ui/tenants", content);
        var answer = await posted.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("it could not be read (Missing content-type boundary). Send it again from the page.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("NUL", answer, StringComparison.Ordinal);
    }

    // An emptied processing box, or `null` in it, saved the defaults: parsers and enrichment wiped unasked.
    [Theory]
    [InlineData("", "processing is empty")]
    [InlineData("  ", "processing is empty")]
    [InlineData("null", "processing is null")]
    public async Task SettingsForm_ProcessingEmptyOrNull_IsAValidationMessage_NotTheDefaults(string processing, string expected)
    {
        var tenant = "ui-null-processing-" + processing.Trim().Length.ToString(CultureInfo.InvariantCulture) + processing.Length.ToString(CultureInfo.InvariantCulture);
        await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, processing = new { enrichment = new { staticFields = new Dictionary<string, string> { ["env"] = "prod" } } } });
        var (posted, answer) = await PostSettingsAsync(tenant, new() { ["processing"] = processing });
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");

        Assert.Equal(HttpStatusCode.BadRequest, posted);
        Assert.Contains(Html(expected + ": give the processing settings as JSON, {} for the defaults"), answer, StringComparison.Ordinal);
        var stored = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(1, stored.GetProperty("version").GetInt64());
        Assert.Equal("prod", stored.GetProperty("settings").GetProperty("processing").GetProperty("enrichment").GetProperty("staticFields").GetProperty("env").GetString());
    }

    [Theory]
    [InlineData(201, "", "displayName is 201 characters long: use at most 200.")]
    [InlineData(3, "\u0007", "displayName has a control character (U+0007 at position 4)")]
    [InlineData(3, "\n", "displayName has a control character (U+000A at position 4)")]
    public async Task SettingsForm_DisplayNameTooLongOrWithControlCharacters_IsAMessageUnderTheField(int length, string tail, string expected)
    {
        var tenant = "ui-display-name-" + (length + tail.Length).ToString(CultureInfo.InvariantCulture) + (tail.Length > 0 ? "-" + ((int)tail[0]).ToString(CultureInfo.InvariantCulture) : "");
        await pipeline.Api.CreateTenantAsync(tenant);
        // The control character inside the name: the form trims the ends.
        var (posted, answer) = await PostSettingsAsync(tenant, new() { ["displayName"] = new string('n', length) + tail + (tail.Length > 0 ? "nnn" : "") });
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");

        Assert.Equal(HttpStatusCode.BadRequest, posted);
        Assert.Matches($"id=\"displayName\"[^>]*aria-invalid=\"true\">\\s*<small>[^<]*</small><span class=\"field-error\">{Regex.Escape(Html(expected))}", answer);
        Assert.Contains($"maxlength=\"{Orleans.EventPipeline.Tenants.TenantSettings.MaxDisplayNameLength}\"", answer, StringComparison.Ordinal);
        Assert.Equal(tenant, (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task CreateForm_DisplayNameTooLong_IsRefusedWithItsMessage()
    {
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync("/ui/new-tenant");

        using var posted = await PostFormAsync(ui, page, "/ui/tenants", $"tenantId=ui-long-create&displayName={new string('n', 201)}");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/ui-long-create");

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("displayName is 201 characters long: use at most 200.", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    /// <summary>
    /// The new-key notice was bound to its tenant only by the cookie's path: the same cookie sent to another tenant's
    /// page showed the secret there. The page that shows it is not to be stored by any cache.
    /// </summary>
    [Fact]
    public async Task NewKeyNotice_IsShownOnlyOnItsTenantsPage_NeverStored()
    {
        await pipeline.Api.CreateTenantAsync("notice-owner");
        await pipeline.Api.CreateTenantAsync("notice-other");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync("/ui/tenants/notice-owner");
        using var issued = await PostFormAsync(ui, page, "/ui/tenants/notice-owner/keys", "name=agent");
        var notice = ui.Cookies.GetCookies(new Uri(pipeline.Silo.BaseAddress, "/ui/tenants/notice-owner")).Single(static c => c.Name == "eventpipeline-newkey");
        // The browser's sign-in cookie, and the notice sent to another tenant's page as a client that ignores cookie paths would.
        var signIn = string.Join("; ", ui.Cookies.GetCookies(new Uri(pipeline.Silo.BaseAddress, "/ui/")).Select(static c => $"{c.Name}={c.Value}"));
        using var bare = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = pipeline.Silo.BaseAddress };
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "/ui/tenants/notice-other");
        elsewhere.Headers.Add("Cookie", $"{signIn}; {notice.Name}={notice.Value}");
        using var other = await bare.SendAsync(elsewhere);
        using var own = await ui.Http.GetAsync("/ui/tenants/notice-owner");

        Assert.Equal(HttpStatusCode.Redirect, issued.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.DoesNotContain("code class=\"secret\"", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("code class=\"secret\"", await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(own.Headers.CacheControl?.NoStore, $"the page with the secret answered Cache-Control: {own.Headers.CacheControl}");
    }

    /// <summary>
    /// The rotate and revoke forms answer an id that names no key as the admin API does: 404, and for an id not of a key id's
    /// shape (a hand-made URL) a notice saying what one looks like. They answered 200 with "no key", and the malformed id
    /// went to the tenant grain; the tenant's real key is untouched by either.
    /// </summary>
    [Fact]
    public async Task RotateAndRevokeForms_AnIdThatNamesNoKey_404NamingAKeyIdsShape_TheRealKeyUntouched()
    {
        await pipeline.Api.CreateTenantAsync("ui-key-shape");
        var real = await SingleKeyIdAsync("ui-key-shape");
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync("/ui/tenants/ui-key-shape");

        foreach (var action in new[] { "rotate", "revoke" })
        {
            using var malformed = await PostFormAsync(ui, page, $"/ui/tenants/ui-key-shape/keys/{real.ToUpperInvariant()}/{action}", "");
            using var unknown = await PostFormAsync(ui, page, $"/ui/tenants/ui-key-shape/keys/key_000000000000/{action}", "");
            var malformedPage = await malformed.Content.ReadAsStringAsync();
            var unknownPage = await unknown.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
            Assert.Contains(Html($"a key id is {ApiKeyId.Rule}."), malformedPage, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains(Html("'key_000000000000'"), unknownPage, StringComparison.Ordinal);
            Assert.DoesNotContain("a key id is", unknownPage, StringComparison.Ordinal);
        }

        Assert.Equal(real, await SingleKeyIdAsync("ui-key-shape"));
        using var list = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/ui-key-shape/keys");
        Assert.False((await ContentTypeIngestTests.ReadJsonAsync(list)).GetProperty("keys")[0].GetProperty("revoked").GetBoolean());
    }

    /// <summary>Posts the settings form as the page shows it, with <paramref name="changes"/> typed over its fields.</summary>
    private async Task<(HttpStatusCode Status, string Page)> PostSettingsAsync(string tenant, Dictionary<string, string> changes)
    {
        using var ui = await UiSession.SignInAsync(pipeline.Silo.BaseAddress, SiloProcess.AdminKey);
        var page = await ui.Http.GetStringAsync($"/ui/tenants/{tenant}");
        var form = new Dictionary<string, string>
        {
            ["__af"] = UiSession.TokenOf(page),
            ["version"] = FormVersion(page, $"/ui/tenants/{tenant}/settings"),
            ["displayName"] = tenant,
            ["eventsPerSecond"] = "1000",
            ["bytesPerSecond"] = "1000000",
            ["burstSeconds"] = "1",
            ["shardCount"] = "1",
            ["idempotencyWindow"] = "1.00:00:00",
            ["processing"] = "{}",
        };
        foreach (var (name, value) in changes)
        {
            form[name] = value;
        }

        using var posted = await ui.Http.PostAsync($"/ui/tenants/{tenant}/settings", new FormUrlEncodedContent(form));
        return (posted.StatusCode, await posted.Content.ReadAsStringAsync());
    }

    /// <summary>Posts <paramref name="fields"/> (url-encoded) with the anti-forgery token of <paramref name="page"/>.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(UiSession ui, string page, string path, string fields) =>
        await ui.Http.PostAsync(path, new StringContent($"__af={Uri.EscapeDataString(UiSession.TokenOf(page))}&{fields}", Encoding.UTF8, "application/x-www-form-urlencoded"));

    /// <summary>The hidden version of the form posting to <paramref name="action"/>: the version the page showed.</summary>
    private static string FormVersion(string page, string action)
    {
        var form = Regex.Match(page, $"<form method=\"post\" action=\"{Regex.Escape(action)}\"[^>]*>.*?</form>", RegexOptions.Singleline);
        Assert.True(form.Success, $"the page has no form posting to {action}");
        var version = Regex.Match(form.Value, "<input type=\"hidden\" name=\"version\" value=\"(?<v>[^\"]*)\">");
        Assert.True(version.Success, $"the form posting to {action} carries no version");
        return version.Groups["v"].Value;
    }

    private static string Html(string text) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text);

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
