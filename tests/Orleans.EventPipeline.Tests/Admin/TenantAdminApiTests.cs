using System.Net;
using System.Text.Json;
using Orleans.EventPipeline.Tests.Ingest;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>The tenant admin API over real HTTP against a real silo: every operation, its validation, auth and concurrency answers.</summary>
public sealed class TenantAdminApiTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    private static readonly byte[] OneEvent = "{\"a\":1}\n"u8.ToArray();
    private static readonly string[] SourceIpField = ["src"];

    [Fact]
    public async Task Create_AnswersTheProfileWithItsETag_AndASecondCreateIs409()
    {
        using var created = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants", "{\"tenantId\":\"create-me\",\"displayName\":\"Create Me\"}");
        using var again = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants", "{\"tenantId\":\"create-me\",\"displayName\":\"Other\"}");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/create-me");

        var profile = await ContentTypeIngestTests.ReadJsonAsync(created);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/admin/v1/tenants/create-me", created.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        Assert.Equal(1, profile.GetProperty("version").GetInt64());
        await IngestErrorTests.AssertProblemAsync(again, HttpStatusCode.Conflict, "tenant_exists", "If-Match: \"1\"");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"1\"", read.Headers.ETag?.Tag);
        Assert.Equal("Create Me", (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings").GetProperty("displayName").GetString());
    }

    /// <summary>
    /// A PUT that creates the tenant answers as the POST that creates one does, 201 with the tenant's URL; one that
    /// replaces its settings stays 200, without a Location. Before, a creating PUT answered 200, so a client could not
    /// tell it had made a tenant (a typo in the id) rather than changed the one it meant.
    /// </summary>
    [Fact]
    public async Task Put_ThatCreates_Is201WithItsLocation_OneThatReplaces200_AndAfterADeleteCreatesAgain()
    {
        using var created = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/put-creates", "{\"displayName\":\"first\"}");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, created.Headers.Location?.OriginalString ?? "/admin/v1/tenants/none");
        using var replaced = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/put-creates", "{\"displayName\":\"second\"}");
        using var deleted = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/put-creates?data=keep");
        using var createdAgain = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/put-creates", "{\"displayName\":\"third\"}", ("If-None-Match", "*"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/admin/v1/tenants/put-creates", created.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        Assert.Equal("first", (await ContentTypeIngestTests.ReadJsonAsync(created)).GetProperty("settings").GetProperty("displayName").GetString());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Null(replaced.Headers.Location);
        Assert.Equal("\"2\"", replaced.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, createdAgain.StatusCode);
        Assert.Equal("/admin/v1/tenants/put-creates", createdAgain.Headers.Location?.OriginalString);
        Assert.Equal("third", (await ContentTypeIngestTests.ReadJsonAsync(createdAgain)).GetProperty("settings").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task List_PagesInIdOrder_AndFiltersOnIdAndDisplayName()
    {
        foreach (var (id, name) in new[] { ("page-c", "Gamma"), ("page-a", "Alpha"), ("page-e", "Epsilon"), ("page-b", "Beta Corp"), ("page-d", "Delta") })
        {
            await pipeline.Api.CreateTenantAsync(id, new { displayName = name });
        }

        var first = await ListAsync("?filter=page-&limit=2");
        var second = await ListAsync($"?filter=page-&limit=2&after={first.GetProperty("next").GetString()}");
        var third = await ListAsync($"?filter=page-&limit=2&after={second.GetProperty("next").GetString()}");
        var byName = await ListAsync("?filter=bETA");

        Assert.Equal(["page-a", "page-b"], Ids(first));
        Assert.Equal(["page-c", "page-d"], Ids(second));
        Assert.Equal(["page-e"], Ids(third));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("next").ValueKind);
        Assert.Equal(["page-b"], Ids(byName));
        using var badLimit = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants?limit=0");
        await IngestErrorTests.AssertProblemAsync(badLimit, HttpStatusCode.BadRequest, "invalid_page", "limit is 0: use 1 to 500");
    }

    [Fact]
    public async Task Put_StaleIfMatch_Is412WithTheCurrentETag_AndStoresNothing()
    {
        await pipeline.Api.CreateTenantAsync("etag", new { displayName = "v1" });

        using var current = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/etag", "{\"displayName\":\"v2\"}", ("If-Match", "\"1\""));
        using var stale = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/etag", "{\"displayName\":\"lost update\"}", ("If-Match", "\"1\""));
        using var createOnly = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/etag", "{\"displayName\":\"x\"}", ("If-None-Match", "*"));
        using var unreadable = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/etag", "{\"displayName\":\"x\"}", ("If-Match", "W/\"2\""));
        using var missing = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/etag-missing", "{\"displayName\":\"x\"}", ("If-Match", "\"1\""));
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/etag");

        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal("\"2\"", current.Headers.ETag?.Tag);
        await IngestErrorTests.AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed, "version_mismatch", "version 2 now");
        Assert.Equal("\"2\"", stale.Headers.ETag?.Tag);
        // Nothing was read: the answer says the tenant exists and what If-None-Match asked (it said "changed since it was read", helper-133).
        await IngestErrorTests.AssertProblemAsync(createOnly, HttpStatusCode.PreconditionFailed, "version_mismatch", "Tenant 'etag' exists (version ");
        await IngestErrorTests.AssertProblemAsync(createOnly, HttpStatusCode.PreconditionFailed, "version_mismatch", "If-None-Match: * creates it only when absent; nothing was changed");
        await IngestErrorTests.AssertProblemAsync(unreadable, HttpStatusCode.BadRequest, "invalid_precondition", "If-Match 'W/\"2\"'");
        await IngestErrorTests.AssertProblemAsync(missing, HttpStatusCode.PreconditionFailed, "version_mismatch", "does not exist");
        Assert.Equal("v2", (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings").GetProperty("displayName").GetString());
        Assert.Equal("\"2\"", read.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task InvalidSettings_Are400WithTheMessagesPerField()
    {
        using var put = await pipeline.Api.AdminAsync(
            HttpMethod.Put,
            "/admin/v1/tenants/invalid-fields",
            "{\"displayName\":\" \",\"shardCount\":0,\"limits\":{\"eventsPerSecond\":0,\"bytesPerSecond\":1000,\"burstSeconds\":1}}");
        using var noId = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants", "{\"displayName\":\"x\"}");
        using var badId = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants", "{\"tenantId\":\"Not_Valid\",\"displayName\":\"x\"}");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/invalid-fields");

        var problem = await IngestErrorTests.AssertProblemAsync(put, HttpStatusCode.BadRequest, "invalid_settings", "shardCount is 0");
        var errors = problem.GetProperty("errors");
        Assert.Contains("displayName is empty", errors.GetProperty("displayName")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("use 1 to 64", errors.GetProperty("shardCount")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("use 1 to 10000000", errors.GetProperty("limits.eventsPerSecond")[0].GetString(), StringComparison.Ordinal);
        var missingId = await IngestErrorTests.AssertProblemAsync(noId, HttpStatusCode.BadRequest, "invalid_settings", "tenantId is missing");
        Assert.True(missingId.GetProperty("errors").TryGetProperty("tenantId", out _));
        await IngestErrorTests.AssertProblemAsync(badId, HttpStatusCode.BadRequest, "invalid_tenant_id", "'Not_Valid' is not a tenant id");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    /// <summary>
    /// Enrichment that cannot load would send every event of the tenant to the dead letters, which keep only the
    /// newest: a lookup file the silo cannot read, or a table without its key column, is refused before it is stored.
    /// </summary>
    [Fact]
    public async Task Put_ALookupTableThatCannotLoad_Is400NamingWhy_AndNothingIsStored()
    {
        var tables = Directory.CreateDirectory(Path.Combine(pipeline.LookupDirectory, "lookup-check")).FullName;
        var missing = Path.Combine(tables, "missing.csv");
        var present = Path.Combine(tables, "assets.csv");
        await File.WriteAllTextAsync(present, "host,owner\nweb-1,team-a\n");

        using var unreadable = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/lookup-check",
            TableSettings("lookup-check", new { name = "assets", path = missing, matchField = "host", keyColumn = "host" }));
        using var noKeyColumn = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/lookup-check",
            TableSettings("lookup-check", new { name = "assets", content = "name,owner\nweb-1,team-a\n", matchField = "host", keyColumn = "host" }));
        // A NUL in the path (the system refuses it: was a 500), a file whose first line is a secret (named back before),
        // and a file past the size a table may have (read whole before, /dev/zero without end).
        var secret = Path.Combine(tables, "secret.env");
        await File.WriteAllTextAsync(secret, "DB_PASSWORD=hunter2\n");
        var huge = Path.Combine(tables, "huge.csv");
        await using (var file = File.Create(huge))
        {
            file.SetLength(Orleans.EventPipeline.Processing.Enrichment.CsvLookupTable.MaxFileBytes + 1L);
        }

        using var nul = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/lookup-check",
            TableSettings("lookup-check", new { name = "assets", path = missing + "\0x", matchField = "host", keyColumn = "host" }));
        using var secretHeader = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/lookup-check",
            TableSettings("lookup-check", new { name = "assets", path = secret, matchField = "host", keyColumn = "host" }));
        using var tooLarge = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/lookup-check",
            TableSettings("lookup-check", new { name = "assets", path = huge, matchField = "host", keyColumn = "host" }));
        using var perSource = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/lookup-check",
            "{\"displayName\":\"lookup-check\",\"processing\":{\"normalization\":{\"sources\":{\"fw\":{\"textFormat\":\"cef\"}}}}}");
        using var absent = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/lookup-check");
        using var readable = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/lookup-check",
            TableSettings("lookup-check", new { name = "assets", path = present, matchField = "host", keyColumn = "host" }));

        var problem = await IngestErrorTests.AssertProblemAsync(unreadable, HttpStatusCode.BadRequest, "invalid_settings", missing);
        Assert.True(problem.GetProperty("errors").TryGetProperty("processing.enrichment", out _));
        await IngestErrorTests.AssertProblemAsync(noKeyColumn, HttpStatusCode.BadRequest, "invalid_settings", "Lookup table \"assets\"");
        await IngestErrorTests.AssertProblemAsync(nul, HttpStatusCode.BadRequest, "invalid_settings", "cannot read");
        var secretProblem = await IngestErrorTests.AssertProblemAsync(secretHeader, HttpStatusCode.BadRequest, "invalid_settings", "has no column \"host\" in the first row");
        Assert.DoesNotContain("hunter2", secretProblem.ToString(), StringComparison.Ordinal);
        await IngestErrorTests.AssertProblemAsync(tooLarge, HttpStatusCode.BadRequest, "invalid_settings", "holds more than 64 MiB");
        // Per-source parsing nothing would apply (no request names its source) is refused too, not stored to do nothing.
        await IngestErrorTests.AssertProblemAsync(perSource, HttpStatusCode.BadRequest, "invalid_settings", "no request names its source yet");
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        Assert.Equal(HttpStatusCode.Created, readable.StatusCode);
    }

    /// <summary>
    /// A lookup path could name any file the silo can read, and the refusal told whether it existed and what its first
    /// row held (helper-123). Out of the lookup directory — absolute, up through "..", through a link in it — is a 400
    /// naming the directory and the setting, the same whether the file is there or not; nothing is read or stored.
    /// Each file here is a table that would load (its key column is there) and would be stored.
    /// </summary>
    [Fact]
    public async Task Put_ALookupPathOutOfTheLookupDirectory_Is400NamingIt_TheSameWhetherTheFileExists_NothingRead()
    {
        using var outside = new TempDirectory();
        var secrets = outside.File("secrets.csv");
        await File.WriteAllTextAsync(secrets, "host,password\nweb-1,hunter2\n");
        var link = Path.Combine(pipeline.LookupDirectory, "confine-link.csv");
        File.CreateSymbolicLink(link, secrets);
        var upward = Path.GetRelativePath(pipeline.LookupDirectory, secrets);
        Assert.StartsWith("..", upward, StringComparison.Ordinal);

        using var absolute = await PutTableAsync(secrets);
        using var absent = await PutTableAsync(outside.File("absent.csv"));
        using var up = await PutTableAsync(upward);
        using var linked = await PutTableAsync("confine-link.csv");
        using var geoIp = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/confined", JsonSerializer.Serialize(new
        {
            displayName = "confined",
            processing = new { enrichment = new { geoIp = new { databasePath = secrets, ipFields = SourceIpField } } },
        }));
        using var stored = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/confined");

        var directory = $"is outside the lookup directory {pipeline.LookupDirectory} (Pipeline:LookupDirectory)";
        var absoluteProblem = await IngestErrorTests.AssertProblemAsync(absolute, HttpStatusCode.BadRequest, "invalid_settings", $"\"{secrets}\" {directory}");
        var absentProblem = await IngestErrorTests.AssertProblemAsync(absent, HttpStatusCode.BadRequest, "invalid_settings", directory);
        await IngestErrorTests.AssertProblemAsync(up, HttpStatusCode.BadRequest, "invalid_settings", $"\"{upward}\" {directory}");
        var linkedProblem = await IngestErrorTests.AssertProblemAsync(linked, HttpStatusCode.BadRequest, "invalid_settings", $"leads out of the lookup directory {pipeline.LookupDirectory} (Pipeline:LookupDirectory) through a symbolic link");
        var geoIpProblem = await IngestErrorTests.AssertProblemAsync(geoIp, HttpStatusCode.BadRequest, "invalid_settings", $"GeoIP database \"{secrets}\" {directory}");
        Assert.True(absoluteProblem.GetProperty("errors").TryGetProperty("processing.enrichment", out _));
        // Nothing tells a file that is there from one that is not.
        Assert.Equal(
            absoluteProblem.GetProperty("detail").GetString()!.Replace("secrets", "NAME", StringComparison.Ordinal),
            absentProblem.GetProperty("detail").GetString()!.Replace("absent", "NAME", StringComparison.Ordinal));
        Assert.All([absoluteProblem, linkedProblem, geoIpProblem], static problem => Assert.DoesNotContain("hunter2", problem.ToString(), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);

        Task<HttpResponseMessage> PutTableAsync(string path) =>
            pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/confined", TableSettings("confined", new { name = "assets", path, matchField = "host", keyColumn = "host" }));
    }

    /// <summary>Settings of a tenant named <paramref name="tenant"/> whose enrichment is the one lookup table given.</summary>
    private static string TableSettings(string tenant, object table) => JsonSerializer.Serialize(new
    {
        displayName = tenant,
        processing = new { enrichment = new { lookupTables = new[] { table } } },
    });

    /// <summary>A PUT replaces every setting: a misspelt member ignored put the setting it meant back to its default.</summary>
    [Fact]
    public async Task Put_AMemberTheSettingsDoNotHave_Is400NamingIt_AndChangesNothing_WhileAFetchedProfilesSettingsGoBackAsTheyAre()
    {
        await pipeline.Api.CreateTenantAsync("misspelt");
        const string limits = "{\"eventsPerSecond\":50,\"bytesPerSecond\":100000,\"burstSeconds\":2}";
        using var set = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/misspelt", $"{{\"displayName\":\"Throttled\",\"limits\":{limits}}}");

        using var topLevel = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/misspelt", $"{{\"displayName\":\"Renamed\",\"limit\":{limits}}}");
        using var nested = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/misspelt", "{\"displayName\":\"Renamed\",\"limits\":{\"eventsPerSec\":5,\"bytesPerSecond\":100000,\"burstSeconds\":2}}");
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/misspelt");
        var settings = (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings");
        using var roundTrip = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/misspelt", settings.GetRawText());

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        await IngestErrorTests.AssertProblemAsync(topLevel, HttpStatusCode.BadRequest, "invalid_json", "$.limit is not a member");
        await IngestErrorTests.AssertProblemAsync(nested, HttpStatusCode.BadRequest, "invalid_json", "$.limits.eventsPerSec is not a member");
        Assert.Equal("\"2\"", read.Headers.ETag?.Tag);
        Assert.Equal("Throttled", settings.GetProperty("displayName").GetString());
        Assert.Equal(50, settings.GetProperty("limits").GetProperty("eventsPerSecond").GetDouble());
        Assert.Equal(HttpStatusCode.OK, roundTrip.StatusCode);
        var stored = (await ContentTypeIngestTests.ReadJsonAsync(roundTrip)).GetProperty("settings");
        Assert.Equal(settings.GetRawText(), stored.GetRawText());
    }

    [Theory]
    [InlineData("GET", "/admin/v1/tenants")]
    [InlineData("POST", "/admin/v1/tenants/any/disable")]
    [InlineData("DELETE", "/admin/v1/tenants/any?data=remove")]
    [InlineData("POST", "/admin/v1/tenants/any/keys/key_1/rotate")]
    public async Task NoOrWrongAdminKey_Is401WithABearerChallenge(string method, string path)
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        using var none = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        using var wrong = new HttpRequestMessage(new HttpMethod(method), path);
        wrong.Headers.TryAddWithoutValidation("Authorization", "Bearer not-the-admin-key");
        using var wrongAnswer = await http.SendAsync(wrong);

        foreach (var refused in new[] { none, wrongAnswer })
        {
            await IngestErrorTests.AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized", "Pipeline:AdminApiKey");
            Assert.Contains(refused.Headers.WwwAuthenticate, static challenge => challenge.Scheme == "Bearer");
        }
    }

    [Fact]
    public async Task DisableAndEnable_RefuseAndTakeTheTenantsRequests()
    {
        var key = await pipeline.Api.CreateTenantAsync("switch");

        using var disabled = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants/switch/disable", headers: ("If-Match", "\"1\""));
        using var refused = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");
        using var staleEnable = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants/switch/enable", headers: ("If-Match", "\"1\""));
        using var enabled = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants/switch/enable");
        using var taken = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");
        using var unknown = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants/switch-missing/disable");

        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.False((await ContentTypeIngestTests.ReadJsonAsync(disabled)).GetProperty("settings").GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        await IngestErrorTests.AssertProblemAsync(staleEnable, HttpStatusCode.PreconditionFailed, "version_mismatch", "version 2 now");
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Equal("\"3\"", enabled.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        await IngestErrorTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound, "tenant_not_found", "does not exist");
    }

    [Fact]
    public async Task RotateKey_OldKeyWorksUntilRevoked_ThenTheGatewayAnswers401()
    {
        var old = await pipeline.Api.CreateTenantAsync("rotate");
        var oldId = await KeyIdAsync("rotate");

        using var rotated = await pipeline.Api.AdminAsync(HttpMethod.Post, $"/admin/v1/tenants/rotate/keys/{oldId}/rotate");
        var answer = await ContentTypeIngestTests.ReadJsonAsync(rotated);
        var fresh = answer.GetProperty("apiKey").GetString()!;
        using var oldBeforeRevoke = await pipeline.Api.PostAsync(old, OneEvent, "application/x-ndjson");
        using var freshBeforeRevoke = await pipeline.Api.PostAsync(fresh, OneEvent, "application/x-ndjson");
        using var revoke = await pipeline.Api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/rotate/keys/{oldId}");
        using var oldAfterRevoke = await pipeline.Api.PostAsync(old, OneEvent, "application/x-ndjson");
        using var freshAfterRevoke = await pipeline.Api.PostAsync(fresh, OneEvent, "application/x-ndjson");
        using var rotateRevoked = await pipeline.Api.AdminAsync(HttpMethod.Post, $"/admin/v1/tenants/rotate/keys/{oldId}/rotate");
        using var list = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/rotate/keys");
        var listText = await list.Content.ReadAsStringAsync();
        using var tenant = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/rotate");
        var tenantText = await tenant.Content.ReadAsStringAsync();
        using var put = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/rotate", "{\"displayName\":\"rotated\"}");
        var putText = await put.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.Equal(oldId, answer.GetProperty("replaces").GetString());
        Assert.Equal("test", answer.GetProperty("name").GetString());
        Assert.StartsWith("ept_", fresh, StringComparison.Ordinal);
        Assert.Equal(fresh[..8], answer.GetProperty("prefix").GetString());
        Assert.Equal(HttpStatusCode.OK, oldBeforeRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, freshBeforeRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await IngestErrorTests.AssertProblemAsync(oldAfterRevoke, HttpStatusCode.Unauthorized, "unauthorized", "API key");
        Assert.Equal(HttpStatusCode.OK, freshAfterRevoke.StatusCode);
        await IngestErrorTests.AssertProblemAsync(rotateRevoked, HttpStatusCode.NotFound, "key_not_found", "no active key");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        // Listed by id, name, prefix and dates: never a secret, nor its hash.
        Assert.DoesNotContain(old, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(fresh, listText, StringComparison.Ordinal);
        var keys = JsonDocument.Parse(listText).RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        var oldKey = keys.Single(k => k.GetProperty("keyId").GetString() == oldId);
        var freshKey = keys.Single(k => k.GetProperty("keyId").GetString() != oldId);
        Assert.True(oldKey.GetProperty("revoked").GetBoolean());
        Assert.Equal(old[..8], oldKey.GetProperty("prefix").GetString());
        Assert.False(freshKey.GetProperty("revoked").GetBoolean());
        Assert.Equal(JsonValueKind.String, freshKey.GetProperty("lastUsedAt").ValueKind);
        Assert.DoesNotContain(keys, static k => k.TryGetProperty("secretHash", out _) || k.TryGetProperty("apiKey", out _));
        // The tenant's own answer lists its keys as the keys' list does, when each was last used too (it said null, helper-133).
        var tenantKeys = JsonDocument.Parse(tenantText).RootElement.GetProperty("apiKeys").EnumerateArray().ToList();
        Assert.Equal(
            keys.Select(static k => (k.GetProperty("keyId").GetString(), k.GetProperty("lastUsedAt").GetRawText())).Order(),
            tenantKeys.Select(static k => (k.GetProperty("keyId").GetString(), k.GetProperty("lastUsedAt").GetRawText())).Order());
        Assert.DoesNotContain(fresh, tenantText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var putFreshKey = JsonDocument.Parse(putText).RootElement.GetProperty("apiKeys").EnumerateArray().Single(k => k.GetProperty("keyId").GetString() != oldId);
        Assert.Equal(JsonValueKind.String, putFreshKey.GetProperty("lastUsedAt").ValueKind);
    }

    [Fact]
    public async Task Keys_OfATenantThatDoesNotExist_Are404()
    {
        using var list = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/no-keys-here/keys");
        using var issue = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants/no-keys-here/keys", "{\"name\":\"x\"}");
        using var rotate = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants/no-keys-here/keys/key_0/rotate");

        foreach (var answer in new[] { list, issue, rotate })
        {
            await IngestErrorTests.AssertProblemAsync(answer, HttpStatusCode.NotFound, "tenant_not_found", "'no-keys-here' does not exist");
        }
    }

    // A tenant deleted and created again started at "1" again, so an ETag kept from the deleted one matched the new one.
    [Fact]
    public async Task Delete_ThenCreateAgain_GoesOnFromTheVersion_SoAnOldETagDoesNotMatch()
    {
        await pipeline.Api.CreateTenantAsync("born-again");
        using var deleted = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/born-again?data=keep", headers: ("If-Match", "\"1\""));
        using var created = await pipeline.Api.AdminAsync(HttpMethod.Post, "/admin/v1/tenants", "{\"tenantId\":\"born-again\",\"displayName\":\"second life\"}");

        using var oldETag = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/born-again", "{\"displayName\":\"from the old page\"}", ("If-Match", "\"1\""));
        using var read = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/born-again");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        // 1 created, 2 disabled by the delete, 3 created again.
        Assert.Equal("\"3\"", created.Headers.ETag?.ToString());
        await IngestErrorTests.AssertProblemAsync(oldETag, HttpStatusCode.PreconditionFailed, "version_mismatch", "version 3 now");
        Assert.Equal("second life", (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Delete_WithoutADataChoiceOrWithAStaleETag_DeletesNothing()
    {
        var key = await pipeline.Api.CreateTenantAsync("keep-me");

        using var noChoice = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/keep-me");
        using var wrongChoice = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/keep-me?data=all");
        using var stale = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/keep-me?data=remove", headers: ("If-Match", "\"7\""));
        using var missing = await pipeline.Api.AdminAsync(HttpMethod.Delete, "/admin/v1/tenants/never-was?data=keep");
        using var stillTaken = await pipeline.Api.PostAsync(key, OneEvent, "application/x-ndjson");

        await IngestErrorTests.AssertProblemAsync(noChoice, HttpStatusCode.BadRequest, "data_choice_required", "?data=keep");
        await IngestErrorTests.AssertProblemAsync(wrongChoice, HttpStatusCode.BadRequest, "data_choice_required", "data is 'all'");
        await IngestErrorTests.AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed, "version_mismatch", "version 1 now");
        await IngestErrorTests.AssertProblemAsync(missing, HttpStatusCode.NotFound, "tenant_not_found", "does not exist");
        Assert.Equal(HttpStatusCode.OK, stillTaken.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminApi_AndTheReferencePageLoadsNothingFromElsewhere()
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        using var document = JsonDocument.Parse(await http.GetStringAsync("/admin/v1/openapi.json"));
        using var referencePage = await http.GetAsync("/admin/v1/reference");
        var reference = await referencePage.Content.ReadAsStringAsync();
        using var uiPage = await http.GetAsync("/ui/signin");
        var script = await http.GetStringAsync("/ui/assets/reference.js");

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/admin/v1/tenants", out var tenants));
        Assert.True(tenants.TryGetProperty("get", out _) && tenants.TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/admin/v1/tenants/{tenantId}").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/admin/v1/tenants/{tenantId}/keys/{keyId}/rotate").TryGetProperty("post", out _));
        Assert.False(paths.TryGetProperty("/v1/events", out _));
        Assert.Equal("bearer", document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("adminKey").GetProperty("scheme").GetString());
        Assert.Contains("/admin/v1/openapi.json", script, StringComparison.Ordinal);
        Assert.Contains("/ui/assets/reference.js", reference, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", reference + script, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", reference + script, StringComparison.Ordinal);
        // The same strict policy as the /ui pages: nothing from elsewhere, no inline script.
        var policy = Assert.Single(uiPage.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Equal(policy, Assert.Single(referencePage.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(referencePage.Headers.GetValues("X-Content-Type-Options")));
    }

    private async Task<JsonElement> ListAsync(string query)
    {
        using var response = await pipeline.Api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ContentTypeIngestTests.ReadJsonAsync(response);
    }

    private static string[] Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(static t => t.GetProperty("tenantId").GetString()!)];

    private async Task<string> KeyIdAsync(string tenantId)
    {
        using var list = await pipeline.Api.AdminAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenantId}/keys");
        return Assert.Single((await ContentTypeIngestTests.ReadJsonAsync(list)).GetProperty("keys").EnumerateArray()).GetProperty("keyId").GetString()!;
    }
}
