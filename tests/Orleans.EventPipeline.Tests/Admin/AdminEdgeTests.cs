using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Orleans.EventPipeline.Tenants;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Ingest;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>Admin requests that were a 500 or left bad state behind: each a 4xx naming the problem, nothing stored.</summary>
public sealed class AdminEdgeTests(LocalPipelineFixture pipeline) : IClassFixture<LocalPipelineFixture>
{
    [Theory]
    [InlineData("to=0001-01-01T00:00:00Z")]
    [InlineData("to=0001-01-01T05:00:00Z")]
    [InlineData("from=0001-01-01T00:00:00Z&to=0001-01-01T00:00:00Z")]
    [InlineData("to=9999-12-31T23:59:59.9999999Z")]
    [InlineData("from=9999-12-31T00:00:00Z&to=9999-12-31T23:59:59.9999999Z")]
    public async Task ListArchive_EdgeTimes_AnswerAListing(string query)
    {
        await pipeline.Api.CreateTenantAsync("archive-edges");

        using var response = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/archive-edges/archive?{query}");

        var listing = await ContentTypeIngestTests.ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(listing.GetProperty("objects").EnumerateArray());
        Assert.True(listing.GetProperty("from").GetDateTimeOffset() <= listing.GetProperty("to").GetDateTimeOffset());
    }

    /// <summary>
    /// A leap second was taken at ingest (an event stamped 23:59:60 keeps the last tick of :59) but was a 400 as a
    /// listing's from or to (helper-123): it is read as ingest reads it, with any offset, fraction or a space for the T.
    /// </summary>
    [Theory]
    [InlineData("2016-12-31T23:59:60Z")]
    [InlineData("2016-12-31T18:59:60.5-05:00")]
    [InlineData("2016-12-31 23:59:60")]
    public async Task ListArchive_LeapSecondAsFromOrTo_IsTheInstantIngestGivesIt(string leap)
    {
        await pipeline.Api.CreateTenantAsync("archive-leap");
        Assert.True(Orleans.EventPipeline.Processing.Normalization.Timestamps.TryParseRfc3339(Encoding.UTF8.GetBytes(leap), out var ingested));

        using var asFrom = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/archive-leap/archive?from={Uri.EscapeDataString(leap)}&to=2017-01-01T00:00:00Z");
        using var asTo = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/archive-leap/archive?from=2016-12-31T23:00:00Z&to={Uri.EscapeDataString(leap)}");

        var from = await ContentTypeIngestTests.ReadJsonAsync(asFrom);
        var to = await ContentTypeIngestTests.ReadJsonAsync(asTo);
        Assert.Equal(HttpStatusCode.OK, asFrom.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asTo.StatusCode);
        Assert.Equal(new DateTimeOffset(2016, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(TimeSpan.TicksPerSecond - 1), ingested.ToUniversalTime());
        Assert.Equal(ingested, from.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(ingested, to.GetProperty("to").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("to=0001-01-01T00:00:00%2B14:00", "invalid_time", "to '0001-01-01T00:00:00+14:00' is not a time")]
    [InlineData("from=9999-12-31T23:59:59-14:00", "invalid_time", "from '9999-12-31T23:59:59-14:00' is not a time")]
    [InlineData("from=yesterday", "invalid_time", "from 'yesterday' is not a time")]
    [InlineData("from=2024-06-02T09:00:00Z&to=2024-06-02T08:00:00Z", "invalid_range", "is after to")]
    [InlineData("from=2024-06-01T00:00:00Z&to=2024-07-02T00:00:01Z", "range_too_long", "is longer than 31 days: list it in parts")]
    public async Task ListArchive_UnusableTimes_Are400NamingTheParameter(string query, string code, string expected)
    {
        await pipeline.Api.CreateTenantAsync("archive-bad-times");

        using var response = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/archive-bad-times/archive?{query}");

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, code, expected);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    public async Task Put_NonFiniteLimit_Is400NamingTheFieldAndKeepsTheStoredSettings(string value)
    {
        await pipeline.Api.CreateTenantAsync("nonfinite");

        using var response = await PutRawAsync("nonfinite", $"{{\"displayName\":\"changed\",\"limits\":{{\"eventsPerSecond\":{value},\"bytesPerSecond\":1000,\"burstSeconds\":1}}}}");
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/nonfinite");

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_json", "$.limits.eventsPerSecond: expected a finite number");
        var profile = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("nonfinite", profile.GetProperty("settings").GetProperty("displayName").GetString());
        Assert.Equal(TenantLimits.Default.EventsPerSecond, profile.GetProperty("settings").GetProperty("limits").GetProperty("eventsPerSecond").GetDouble());
    }

    /// <summary>
    /// A member given twice: which one a reader takes is the reader's choice (this API took the last, helper-133), and a
    /// PUT replaces every setting, so the 400 names it and nothing is stored.
    /// </summary>
    [Theory]
    [InlineData("{\"displayName\":\"x\",\"displayName\":\"y\"}", "displayName")]
    [InlineData("{\"displayName\":\"x\",\"limits\":{\"eventsPerSecond\":5,\"bytesPerSecond\":1000,\"burstSeconds\":1,\"eventsPerSecond\":500}}", "eventsPerSecond")]
    public async Task Put_MemberGivenTwice_Is400NamingIt(string body, string member)
    {
        await pipeline.Api.CreateTenantAsync("member-twice");

        using var response = await PutRawAsync("member-twice", body);
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/member-twice");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_json", member);
        Assert.Contains("more than once", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var profile = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal("member-twice", profile.GetProperty("settings").GetProperty("displayName").GetString());
    }

    /// <summary>
    /// A limits object missing a member read the member as 0, and the 400 said "limits.bytesPerSecond is 0" of a value
    /// the client never sent: it names the members missing and that all three go together.
    /// </summary>
    [Theory]
    [InlineData("{\"eventsPerSecond\":5}", "bytesPerSecond")]
    [InlineData("{\"eventsPerSecond\":5,\"bytesPerSecond\":1000}", "burstSeconds")]
    [InlineData("{}", "eventsPerSecond")]
    public async Task Put_LimitsMissingAMember_Is400NamingTheMissingMember(string limits, string missing)
    {
        await pipeline.Api.CreateTenantAsync("limits-missing");

        using var response = await PutRawAsync("limits-missing", $"{{\"displayName\":\"changed\",\"limits\":{limits}}}");
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/limits-missing");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_json", $"$.limits is missing {missing}");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("give all of eventsPerSecond, bytesPerSecond and burstSeconds together, or leave $.limits out", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("is 0", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Orleans.", detail, StringComparison.Ordinal);
        var profile = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal("limits-missing", profile.GetProperty("settings").GetProperty("displayName").GetString());
    }

    /// <summary>A value of the wrong type or form: the 400 says what the member takes, not which .NET type failed to bind.</summary>
    [Theory]
    [InlineData("\"idempotencyWindow\":\"abc\"", "$.idempotencyWindow is not a duration as a string")]
    [InlineData("\"shardCount\":1.5", "$.shardCount is not a whole number")]
    [InlineData("\"enabled\":\"yes\"", "$.enabled is not true or false")]
    [InlineData("\"processing\":{\"normalization\":{\"textFormat\":\"Nope\"}}", "$.processing.normalization.textFormat is not one of \"auto\", \"syslog5424\"")]
    [InlineData("\"limits\":\"fast\"", "$.limits is not an object")]
    public async Task Put_ValueOfTheWrongForm_Is400SayingWhatTheMemberTakes(string member, string expected)
    {
        await pipeline.Api.CreateTenantAsync("wrong-form");

        using var response = await PutRawAsync("wrong-form", $"{{\"displayName\":\"x\",{member}}}");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_json", expected);
        Assert.DoesNotContain("Orleans.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A string whose bytes are not UTF-8 was answered "is not a string" (helper-138), of a value that is one: the 400
    /// says the bytes are not UTF-8, for a top-level member and for one deep in the processing settings; an escaped lone
    /// surrogate, that it is one (helper-139).
    /// </summary>
    [Theory]
    [InlineData("{\"displayName\":\"a\u00FF\u00FEb\"}", "$.displayName holds bytes that are not UTF-8")]
    [InlineData("{\"displayName\":\"x\",\"processing\":{\"enrichment\":{\"staticFields\":{\"a\":\"\u00C3\"}}}}", "$.processing.enrichment.staticFields.a holds bytes that are not UTF-8")]
    [InlineData("{\"displayName\":\"a\\uD800b\"}", "$.displayName holds a lone surrogate")]
    [InlineData("{\"displayName\":\"x\",\"processing\":{\"enrichment\":{\"staticFields\":{\"a\":\"\\uDC00\"}}}}", "$.processing.enrichment.staticFields.a holds a lone surrogate")]
    public async Task Put_StringThatIsNotUtf8_Is400SayingSo(string body, string expected)
    {
        await pipeline.Api.CreateTenantAsync("not-utf8");

        using var response = await SendAsync(HttpMethod.Put, "/admin/v1/tenants/not-utf8", Encoding.Latin1.GetBytes(body));
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/not-utf8");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_json", expected);
        Assert.DoesNotContain("is not a string", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("not-utf8", (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings").GetProperty("displayName").GetString());
    }

    [Theory]
    [InlineData("3")]
    [InlineData("\"cef\"")]
    [InlineData("\"Cef\"")]
    public async Task Put_EnumAsNumberOrName_IsAnsweredAsItsName(string textFormat)
    {
        // Made first, so each case's PUT replaces settings (200) whichever case runs first.
        await pipeline.Api.CreateTenantAsync("enum-names");
        using var response = await PutRawAsync("enum-names", $"{{\"displayName\":\"x\",\"processing\":{{\"normalization\":{{\"textFormat\":{textFormat}}}}}}}");
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/enum-names");

        var written = await ContentTypeIngestTests.ReadJsonAsync(response);
        var profile = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cef", written.GetProperty("settings").GetProperty("processing").GetProperty("normalization").GetProperty("textFormat").GetString());
        Assert.Equal("cef", profile.GetProperty("settings").GetProperty("processing").GetProperty("normalization").GetProperty("textFormat").GetString());
    }

    // A null collection passed validation once and then stopped the tenant's processor at activation: now a 400 naming the field.
    [Theory]
    [InlineData("{\"normalization\":{\"sources\":null}}", "processing.normalization.sources")]
    [InlineData("{\"enrichment\":{\"staticFields\":null}}", "processing.enrichment.staticFields")]
    [InlineData("{\"enrichment\":{\"lookupTables\":null}}", "processing.enrichment.lookupTables")]
    [InlineData("{\"enrichment\":{\"geoIp\":{\"databasePath\":\"/x.mmdb\",\"ipFields\":null}}}", "processing.enrichment.geoIp.ipFields")]
    public async Task Put_NullProcessingCollection_Is400NamingTheFieldAndKeepsTheStoredSettings(string processing, string field)
    {
        var key = await pipeline.Api.CreateTenantAsync("null-collections");

        using var response = await PutRawAsync("null-collections", $"{{\"displayName\":\"changed\",\"processing\":{processing}}}");
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/null-collections");
        using var post = await pipeline.Api.PostAsync(key, "{\"a\":1}"u8.ToArray(), "application/x-ndjson");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_settings", "is null");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors names {field}: {problem}");
        var profile = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal("null-collections", profile.GetProperty("settings").GetProperty("displayName").GetString());
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
    }

    // "limits": null and "processing": null were read as omitted: a throttled tenant went back to the default limits, its enrichment wiped.
    [Theory]
    [InlineData("limits", "omit it for the default limits")]
    [InlineData("processing", "omit it for the defaults")]
    [InlineData("shardCount", "omit it for 1")]
    [InlineData("idempotencyWindow", "omit it for 1.00:00:00")]
    [InlineData("displayName", "give the tenant a name")]
    [InlineData("enabled", "omit it for true")]
    [InlineData("tenantId", "omit it on PUT")]
    public async Task Put_MemberSentAsNull_Is400NamingTheFieldAndKeepsTheStoredSettings(string member, string expected)
    {
        var tenant = "null-" + member.ToLowerInvariant();
        await pipeline.Api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            limits = new { eventsPerSecond = 5.0, bytesPerSecond = 5000.0, burstSeconds = 1.0 },
            processing = new { enrichment = new { staticFields = new Dictionary<string, string> { ["env"] = "prod" } } },
        });
        var body = new Dictionary<string, string>
        {
            ["displayName"] = "\"changed\"",
            ["limits"] = "{\"eventsPerSecond\":5,\"bytesPerSecond\":5000,\"burstSeconds\":1}",
            ["processing"] = "{\"enrichment\":{\"staticFields\":{\"env\":\"prod\"}}}",
            [member] = "null",
        };

        using var response = await PutRawAsync(tenant, Json(body));
        var create = new Dictionary<string, string>(body) { ["tenantId"] = $"\"{tenant}-new\"", [member] = "null" };
        using var created = await SendAsync(HttpMethod.Post, "/admin/v1/tenants", Json(create));
        using var read = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");
        using var notCreated = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}-new");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_settings", $"{member} is null: {expected}");
        Assert.True(problem.GetProperty("errors").TryGetProperty(member, out _), $"errors names {member}: {problem}");
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notCreated.StatusCode);
        var settings = (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings");
        Assert.Equal(tenant, settings.GetProperty("displayName").GetString());
        Assert.Equal(5.0, settings.GetProperty("limits").GetProperty("eventsPerSecond").GetDouble());
        Assert.Equal("prod", settings.GetProperty("processing").GetProperty("enrichment").GetProperty("staticFields").GetProperty("env").GetString());
    }

    [Fact]
    public async Task IssueKey_NameSentAsNull_Is400AndIssuesNoKey()
    {
        await pipeline.Api.CreateTenantAsync("null-key-name");

        using var response = await SendAsync(HttpMethod.Post, "/admin/v1/tenants/null-key-name/keys", "{\"name\":null}");
        using var keys = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/null-key-name/keys");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_settings", "name is null");
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _), problem.ToString());
        Assert.Single((await ContentTypeIngestTests.ReadJsonAsync(keys)).GetProperty("keys").EnumerateArray());
    }

    [Fact]
    public async Task IssueKey_NameWithAControlCharacter_Is400AndIssuesNoKey()
    {
        // A BEL in a key's name was stored, to go into logs and the key table (helper-105).
        await pipeline.Api.CreateTenantAsync("bel-key-name");

        using var response = await SendAsync(HttpMethod.Post, "/admin/v1/tenants/bel-key-name/keys", "{\"name\":\"a\\u0007b\"}");
        using var keys = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/bel-key-name/keys");

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_settings", "name has a control character (U+0007 at position 2)");
        Assert.Single((await ContentTypeIngestTests.ReadJsonAsync(keys)).GetProperty("keys").EnumerateArray());
    }

    // application/merge-patch+json was taken as application/json and applied as a full replacement, resetting what the patch left out.
    [Theory]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/vnd.acme+json")]
    [InlineData("text/json")]
    [InlineData("application/json; charset=iso-8859-1")]
    public async Task Put_OtherJsonMediaType_Is415NamingApplicationJson_AndChangesNothing(string mediaType)
    {
        var tenant = "media-" + mediaType.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await pipeline.Api.CreateTenantAsync(tenant, new { displayName = tenant, limits = new { eventsPerSecond = 5.0, bytesPerSecond = 5000.0, burstSeconds = 1.0 } });

        using var put = await SendAsync(HttpMethod.Put, $"/admin/v1/tenants/{tenant}", "{\"displayName\":\"patched\"}", mediaType);
        using var issue = await SendAsync(HttpMethod.Post, $"/admin/v1/tenants/{tenant}/keys", "{\"name\":\"patched\"}", mediaType);
        using var read = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/{tenant}");

        await IngestErrorTests.AssertProblemAsync(put, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "send application/json");
        await IngestErrorTests.AssertProblemAsync(issue, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "send application/json");
        var profile = await ContentTypeIngestTests.ReadJsonAsync(read);
        Assert.Equal(tenant, profile.GetProperty("settings").GetProperty("displayName").GetString());
        Assert.Equal(5.0, profile.GetProperty("settings").GetProperty("limits").GetProperty("eventsPerSecond").GetDouble());
        Assert.Single(profile.GetProperty("apiKeys").EnumerateArray());
    }

    [Fact]
    public async Task Put_ApplicationJsonWithCharset_IsTaken()
    {
        using var put = await SendAsync(HttpMethod.Put, "/admin/v1/tenants/media-charset", "{\"displayName\":\"charset\"}", "application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    // 5,000,000 characters were stored and served on every 5 s refresh of the tenants page; NUL, BEL and line breaks were kept.
    [Theory]
    [InlineData(201, "", "displayName is 201 characters long: use at most 200.")]
    [InlineData(5_000_000, "", "displayName is 5000000 characters long: use at most 200.")]
    [InlineData(3, "\\u0000", "displayName has a control character (U+0000 at position 4)")]
    [InlineData(3, "\\u0007", "displayName has a control character (U+0007 at position 4)")]
    [InlineData(3, "\\n", "displayName has a control character (U+000A at position 4)")]
    [InlineData(3, "\\u2028", "displayName has a line separator (U+2028 at position 4)")]
    [InlineData(3, "\\u202e", "displayName has a text-direction character (U+202E at position 4)")]
    [InlineData(3, "\\u200b", "displayName has an invisible character (U+200B at position 4)")]
    public async Task Put_DisplayNameTooLongOrWithControlCharacters_Is400NamingTheField(int length, string escapedTail, string expected)
    {
        await pipeline.Api.CreateTenantAsync("display-names");

        using var response = await PutRawAsync("display-names", $"{{\"displayName\":\"{new string('n', length)}{escapedTail}\"}}");
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/display-names");

        var problem = await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_settings", expected);
        Assert.True(problem.GetProperty("errors").TryGetProperty("displayName", out _), problem.ToString());
        Assert.Equal("display-names", (await ContentTypeIngestTests.ReadJsonAsync(read)).GetProperty("settings").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Put_DisplayNameOf200Characters_IsTaken()
    {
        using var response = await PutRawAsync("display-200", $"{{\"displayName\":\"{new string('n', TenantSettings.MaxDisplayNameLength)}\"}}");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    // The 201 carrying a secret could be kept by a cache, and its Location answered 405 to GET.
    [Fact]
    public async Task IssueAndRotate_AnswerNoStore_AndTheirLocationIsTheKeyEntry()
    {
        await pipeline.Api.CreateTenantAsync("key-location");

        using var issued = await SendAsync(HttpMethod.Post, "/admin/v1/tenants/key-location/keys", "{\"name\":\"agent\"}");
        var keyId = (await ContentTypeIngestTests.ReadJsonAsync(issued)).GetProperty("keyId").GetString();
        using var rotated = await SendAsync(HttpMethod.Post, $"/admin/v1/tenants/key-location/keys/{keyId}/rotate");
        using var entry = await SendAsync(HttpMethod.Get, issued.Headers.Location!.OriginalString);
        using var rotatedEntry = await SendAsync(HttpMethod.Get, rotated.Headers.Location!.OriginalString);
        using var missing = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/key-location/keys/key_none");

        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.True(issued.Headers.CacheControl?.NoStore, $"issue answered Cache-Control: {issued.Headers.CacheControl}");
        Assert.True(rotated.Headers.CacheControl?.NoStore, $"rotate answered Cache-Control: {rotated.Headers.CacheControl}");
        var shown = await ContentTypeIngestTests.ReadJsonAsync(entry);
        Assert.Equal(HttpStatusCode.OK, entry.StatusCode);
        Assert.Equal(keyId, shown.GetProperty("keyId").GetString());
        Assert.Equal("agent", shown.GetProperty("name").GetString());
        Assert.False(shown.TryGetProperty("apiKey", out _), "the key's entry shows its secret");
        Assert.Equal(HttpStatusCode.OK, rotatedEntry.StatusCode);
        await IngestErrorTests.AssertProblemAsync(missing, HttpStatusCode.NotFound, "key_not_found", "has no key 'key_none'");
    }

    /// <summary>
    /// A key id, a tenant id or a query value the caller sent is quoted in the answer at most 64 characters long, with
    /// characters outside printable ASCII escaped; a key id not of a key id's shape is a 404 that says what one looks like.
    /// Before, each was quoted whole: a 5,000-character key id came back in the 404's detail, and a line break in one
    /// reached the detail as a line break.
    /// </summary>
    [Fact]
    public async Task OverLongOrMalformedPathValues_AreQuotedAsAShortEscapedPrefix()
    {
        await pipeline.Api.CreateTenantAsync("long-key-id");
        var longKey = "key_" + new string('a', 4_996);
        var longId = new string('t', 5_000);

        using var get = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/long-key-id/keys/{longKey}");
        using var rotate = await SendAsync(HttpMethod.Post, $"/admin/v1/tenants/long-key-id/keys/{longKey}/rotate");
        using var revoke = await SendAsync(HttpMethod.Delete, "/admin/v1/tenants/long-key-id/keys/key_%0A%E2%80%AEx");
        using var tenant = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants/{longId}");
        using var after = await SendAsync(HttpMethod.Get, $"/admin/v1/tenants?after={longId}");
        using var sequence = await SendAsync(HttpMethod.Get, $"/admin/v1/quarantine/0/{new string('9', 5_000)}");

        var prefix = "'key_" + new string('a', 60) + "…' (5000 characters)";
        var got = await IngestErrorTests.AssertProblemAsync(get, HttpStatusCode.NotFound, "key_not_found", $"Tenant 'long-key-id' has no key {prefix}: a key id is 'key_' and 12 lower-case hex digits");
        var rotated = await IngestErrorTests.AssertProblemAsync(rotate, HttpStatusCode.NotFound, "key_not_found", $"has no active key {prefix} to rotate");
        var revoked = await IngestErrorTests.AssertProblemAsync(revoke, HttpStatusCode.NotFound, "key_not_found", "has no key 'key_\\u000A\\u202Ex'");
        var badTenant = await IngestErrorTests.AssertProblemAsync(tenant, HttpStatusCode.BadRequest, "invalid_tenant_id", $"'{new string('t', 64)}…' (5000 characters) is not a tenant id");
        var badAfter = await IngestErrorTests.AssertProblemAsync(after, HttpStatusCode.BadRequest, "invalid_page", "(5000 characters) is not a tenant id");
        var badSequence = await IngestErrorTests.AssertProblemAsync(sequence, HttpStatusCode.BadRequest, "invalid_request", "(5000 characters) is not a whole number");
        Assert.All([got, rotated, revoked, badTenant, badAfter, badSequence], static problem => Assert.True(problem.GetProperty("detail").GetString()!.Length < 300, problem.ToString()));
        Assert.DoesNotContain('\n', revoked.GetProperty("detail").GetString()!);
    }

    [Fact]
    public async Task CallerValuesInAQuarantinePathQueryOrHeader_AreQuotedBounded_NeverA500()
    {
        // helper-137: a 6,000-character quarantine partition was a 500 (the local store's file system refused the name),
        // and ?data=, If-Match and Content-Type came back whole, line breaks and all.
        await pipeline.Api.CreateTenantAsync("echo-bounds");
        var longText = new string('y', 6_000);
        using var partition = await SendAsync(HttpMethod.Get, $"/admin/v1/quarantine/%0A{longText}/5");
        using var data = await SendAsync(HttpMethod.Delete, $"/admin/v1/tenants/echo-bounds?data=%0A%E2%80%AE{longText}");
        using var ifMatch = await pipeline.Api.AdminAsync(HttpMethod.Put, "/admin/v1/tenants/echo-bounds", "{\"displayName\":\"x\"}", ("If-Match", longText));
        using var contentType = await SendAsync(HttpMethod.Put, "/admin/v1/tenants/echo-bounds", "{\"displayName\":\"x\"}", "text/" + longText);

        JsonElement[] problems =
        [
            await IngestErrorTests.AssertProblemAsync(partition, HttpStatusCode.NotFound, "not_quarantined", "(6001 characters) is not a partition of the hub"),
            await IngestErrorTests.AssertProblemAsync(data, HttpStatusCode.BadRequest, "data_choice_required", "data is '\\u000A\\u202Eyyy"),
            await IngestErrorTests.AssertProblemAsync(ifMatch, HttpStatusCode.BadRequest, "invalid_precondition", "(6000 characters) cannot be used"),
            await IngestErrorTests.AssertProblemAsync(contentType, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "(6005 characters) is not supported"),
        ];
        Assert.All(problems, static problem => Assert.True(problem.GetProperty("detail").GetString()!.Length < 400, problem.ToString()));
        Assert.All(problems, static problem => Assert.DoesNotContain('\n', problem.GetProperty("detail").GetString()!));
    }

    [Fact]
    public async Task Put_NonFiniteLimitOnNewTenant_StoresNoTenant()
    {
        using var response = await PutRawAsync("nonfinite-new", "{\"displayName\":\"x\",\"limits\":{\"eventsPerSecond\":1e400,\"bytesPerSecond\":1000,\"burstSeconds\":1}}");
        using var read = await SendAsync(HttpMethod.Get, "/admin/v1/tenants/nonfinite-new");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await IngestErrorTests.AssertProblemAsync(read, HttpStatusCode.NotFound, "tenant_not_found", "does not exist");
    }

    [Theory]
    [InlineData("eventsPerSecond", "1e-300", "limits.eventsPerSecond is 1E-300: use 1 to 10000000.")]
    [InlineData("eventsPerSecond", "1e-9", "limits.eventsPerSecond is 1E-09: use 1 to 10000000.")]
    [InlineData("bytesPerSecond", "0.5", "limits.bytesPerSecond is 0.5: use 1 to 10000000000.")]
    [InlineData("bytesPerSecond", "1e11", "limits.bytesPerSecond is 100000000000: use 1 to 10000000000.")]
    [InlineData("burstSeconds", "601", "limits.burstSeconds is 601: use 0.1 to 600.")]
    public async Task Put_LimitOutOfBounds_Is400WithTheBoundsAndIngestStillWorks(string field, string value, string expected)
    {
        var key = await pipeline.Api.CreateTenantAsync("tiny-rate");
        var limits = new Dictionary<string, string> { ["eventsPerSecond"] = "1000", ["bytesPerSecond"] = "1000000", ["burstSeconds"] = "1", [field] = value };

        using var response = await PutRawAsync("tiny-rate", $"{{\"displayName\":\"tiny-rate\",\"limits\":{{{string.Join(",", limits.Select(static l => $"\"{l.Key}\":{l.Value}"))}}}}}");
        using var first = await pipeline.Api.PostAsync(key, "{\"a\":1}"u8.ToArray(), "application/x-ndjson");
        using var second = await pipeline.Api.PostAsync(key, "{\"a\":2}"u8.ToArray(), "application/x-ndjson");

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_settings", expected);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Theory]
    [InlineData("t%0A")]
    [InlineData("acme%0A")]
    public async Task TenantIdWithTrailingNewline_Is400AndCreatesNothing(string escapedId)
    {
        using var put = await PutRawAsync(escapedId, "{\"displayName\":\"newline\"}");
        using var issue = await SendAsync(HttpMethod.Post, $"/admin/v1/tenants/{escapedId}/keys", "{\"name\":\"x\"}");
        await using var client = await SiloClient.ConnectAsync(pipeline.Silo);
        var profile = await client.Client.GetGrain<ITenantGrain>(Uri.UnescapeDataString(escapedId)).GetProfileAsync();

        await IngestErrorTests.AssertProblemAsync(put, HttpStatusCode.BadRequest, "invalid_tenant_id", "is not a tenant id");
        await IngestErrorTests.AssertProblemAsync(issue, HttpStatusCode.BadRequest, "invalid_tenant_id", "is not a tenant id");
        Assert.False(profile.Exists);
        Assert.Empty(profile.ApiKeys);
    }

    // Answers no endpoint wrote (a parameter that does not bind, a path or method nothing serves) were bodyless.
    [Theory]
    [InlineData("GET", "/admin/v1/tenants?limit=abc", HttpStatusCode.BadRequest, "invalid_request", "limit 'abc' is not a whole number")]
    [InlineData("GET", "/admin/v1/tenants/t1/deadletters?recent=many", HttpStatusCode.BadRequest, "invalid_request", "recent 'many' is not a whole number")]
    [InlineData("GET", "/admin/v1/tenants/t1/deadletters?recent=-5", HttpStatusCode.BadRequest, "invalid_page", "recent is -5: use 0 to 10000")]
    [InlineData("GET", "/admin/v1/quarantine/0/abc", HttpStatusCode.BadRequest, "invalid_request", "sequenceNumber 'abc' is not a whole number")]
    [InlineData("GET", "/admin/v1/nothing-here", HttpStatusCode.NotFound, "not_found", "Nothing is served at GET /admin/v1/nothing-here: the admin API's paths are in /admin/v1/openapi.json.")]
    [InlineData("POST", "/services/collector/foo", HttpStatusCode.NotFound, "not_found", "Nothing is served at POST /services/collector/foo: events go to POST /v1/events, POST /v1/logs (OTLP/HTTP) or POST /services/collector/event")]
    [InlineData("PATCH", "/admin/v1/tenants/t1", HttpStatusCode.MethodNotAllowed, "method_not_allowed", "/admin/v1/tenants/t1 does not take PATCH: it takes ")]
    [InlineData("GET", "/v1/events", HttpStatusCode.MethodNotAllowed, "method_not_allowed", "/v1/events does not take GET")]
    [InlineData("PUT", "/v1/logs", HttpStatusCode.MethodNotAllowed, "method_not_allowed", "/v1/logs does not take PUT")]
    // Replayed through settings a tenant never created has none of: it was a 200 that archived through the defaults.
    [InlineData("POST", "/admin/v1/tenants/no-such-tenant/deadletters/replay", HttpStatusCode.NotFound, "tenant_not_found", "Tenant 'no-such-tenant' does not exist")]
    public async Task UnboundOrUnservedRequest_IsAProblemWithErrorAndDetail(string method, string path, HttpStatusCode status, string code, string detail)
    {
        using var response = await SendAsync(new HttpMethod(method), path);

        await IngestErrorTests.AssertProblemAsync(response, status, code, detail);
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    [InlineData("Bearer")]
    public async Task AdminKey_SchemeInAnyCase_IsAccepted(string scheme)
    {
        using var response = await GetTenantWithAuthorizationAsync($"{scheme} {SiloProcess.AdminKey}");

        // Past the key check: the tenant simply does not exist.
        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.NotFound, "tenant_not_found", "does not exist");
    }

    [Theory]
    [InlineData("Basic")]
    [InlineData("Bearer x")]
    public async Task AdminKey_OtherSchemeOrKey_Is401(string prefix)
    {
        using var response = await GetTenantWithAuthorizationAsync($"{prefix} {SiloProcess.AdminKey}");

        await IngestErrorTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized", "Pipeline:AdminApiKey");
    }

    /// <summary>A JSON object of members already written as JSON values.</summary>
    private static string Json(Dictionary<string, string> members) => "{" + string.Join(",", members.Select(static m => $"\"{m.Key}\":{m.Value}")) + "}";

    private Task<HttpResponseMessage> PutRawAsync(string escapedId, string json) => SendAsync(HttpMethod.Put, $"/admin/v1/tenants/{escapedId}", json);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string mediaType = "application/json") =>
        SendAsync(method, path, json is null ? null : Encoding.UTF8.GetBytes(json), mediaType);

    /// <summary>An admin request with the admin key and <paramref name="body"/> as it is, bytes that are not UTF-8 too.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body, string mediaType = "application/json")
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        }

        return await http.SendAsync(request);
    }

    /// <summary>GET of a tenant that does not exist, with <paramref name="authorization"/> as the header, unvalidated.</summary>
    private async Task<HttpResponseMessage> GetTenantWithAuthorizationAsync(string authorization)
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/tenants/anyone");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await http.SendAsync(request);
    }
}
