using System.Net;
using System.Net.Http.Headers;
using System.Text;
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

    [Theory]
    [InlineData("to=0001-01-01T00:00:00%2B14:00", "invalid_time", "to '0001-01-01T00:00:00+14:00' is not a time")]
    [InlineData("from=9999-12-31T23:59:59-14:00", "invalid_time", "from '9999-12-31T23:59:59-14:00' is not a time")]
    [InlineData("from=yesterday", "invalid_time", "from 'yesterday' is not a time")]
    [InlineData("from=2024-06-02T09:00:00Z&to=2024-06-02T08:00:00Z", "invalid_range", "is after to")]
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

    [Theory]
    [InlineData("3")]
    [InlineData("\"cef\"")]
    [InlineData("\"Cef\"")]
    public async Task Put_EnumAsNumberOrName_IsAnsweredAsItsName(string textFormat)
    {
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
    [InlineData("GET", "/admin/v1/quarantine/0/abc", HttpStatusCode.BadRequest, "invalid_request", "sequenceNumber 'abc' is not a whole number")]
    [InlineData("GET", "/admin/v1/nothing-here", HttpStatusCode.NotFound, "not_found", "Nothing is served at GET /admin/v1/nothing-here")]
    [InlineData("PATCH", "/admin/v1/tenants/t1", HttpStatusCode.MethodNotAllowed, "method_not_allowed", "does not take PATCH")]
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

    private Task<HttpResponseMessage> PutRawAsync(string escapedId, string json) => SendAsync(HttpMethod.Put, $"/admin/v1/tenants/{escapedId}", json);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var http = new HttpClient { BaseAddress = pipeline.Silo.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
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
