using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Ingest;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// Neither API key secrets nor the admin key reach the silo's log: a silo logging the pipeline and ASP.NET
/// Core's authentication at Debug, while keys are issued, rotated, used over two protocols, refused and
/// revoked, and the admin signs in to /ui; and the admin key check runs for admin requests only.
/// </summary>
public sealed partial class SecretsInLogsTests
{
    [Fact]
    public async Task KeysIssuedUsedAndRevoked_NoSecretInTheLog()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(
            data.Path,
            "--Pipeline:Gateway:ApiKeyCacheDuration=00:00:00",
            "--Logging:LogLevel:Orleans.EventPipeline=Debug",
            "--Logging:LogLevel:Microsoft.AspNetCore.Authentication=Debug",
            // The admin scheme's own lines are Warning-only by default (two Information lines a wrong key, ee55fd3): on here.
            "--Logging:LogLevel:Orleans.EventPipeline.Silo.Admin.Authentication.AdminKeyAuthenticationHandler=Debug");
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);

        var first = await api.CreateTenantAsync("secrets");
        using var list = await api.AdminAsync(HttpMethod.Get, "/admin/v1/tenants/secrets/keys");
        var firstId = (await ContentTypeIngestTests.ReadJsonAsync(list)).GetProperty("keys")[0].GetProperty("keyId").GetString()!;
        using var rotate = await api.AdminAsync(HttpMethod.Post, $"/admin/v1/tenants/secrets/keys/{firstId}/rotate");
        var second = (await ContentTypeIngestTests.ReadJsonAsync(rotate)).GetProperty("apiKey").GetString()!;
        using var posted = await api.PostAsync(first, "{\"a\":1}\n"u8.ToArray(), "application/x-ndjson");
        using var hec = await PostHecAsync(silo.BaseAddress, second);
        using var wrong = await api.PostAsync(first + "x", "{\"a\":1}\n"u8.ToArray(), "application/x-ndjson");
        using var revoke = await api.AdminAsync(HttpMethod.Delete, $"/admin/v1/tenants/secrets/keys/{firstId}");
        using var revoked = await api.PostAsync(first, "{\"a\":1}\n"u8.ToArray(), "application/x-ndjson");
        using var wrongAdmin = await GetWithAdminKeyAsync(silo.BaseAddress, SiloProcess.AdminKey + "x");
        using var ui = await UiSession.SignInAsync(silo.BaseAddress, SiloProcess.AdminKey);
        using var page = await ui.Http.GetAsync("/ui/");

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hec.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var log = silo.Output;
        // The log was captured and speaks of the keys, by id only.
        Assert.Contains($"key {firstId}", log, StringComparison.Ordinal);
        Assert.Contains($"key {firstId} revoked", log, StringComparison.Ordinal);
        foreach (var secret in new[] { first, second, first + "x", SiloProcess.AdminKey })
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        }

        // No other key either: every secret starts with ept_ and 43 base64url characters.
        Assert.DoesNotMatch(Secret(), log);

        // Only the request to the admin API met the admin key check; the four ingest requests, whose tenant
        // keys ride in the same header, did not (a default scheme put each through it, and logged it).
        Assert.Single(AdminKeyRefused().Matches(log));
        // And the wrong admin key is the one warning of AdminAuthFailures, which names no key either (checked above).
        Assert.Single(WrongAdminKeyWarning().Matches(log));
    }

    private static async Task<HttpResponseMessage> PostHecAsync(Uri silo, string key)
    {
        using var http = new HttpClient { BaseAddress = silo };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/services/collector/event") { Content = new StringContent("{\"event\":\"hello\"}", Encoding.UTF8) };
        request.Headers.TryAddWithoutValidation("Authorization", "Splunk " + key);
        return await http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GetWithAdminKeyAsync(Uri silo, string adminKey)
    {
        using var http = new HttpClient { BaseAddress = silo };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/tenants");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return await http.SendAsync(request);
    }

    [GeneratedRegex("ept_[A-Za-z0-9_-]{43}")]
    private static partial Regex Secret();

    [GeneratedRegex("AdminKey was not authenticated")]
    private static partial Regex AdminKeyRefused();

    [GeneratedRegex("A wrong admin key on api from")]
    private static partial Regex WrongAdminKeyWarning();
}
