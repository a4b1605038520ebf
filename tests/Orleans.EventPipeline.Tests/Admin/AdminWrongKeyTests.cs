using System.Net;
using System.Net.Http.Headers;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Observability;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// Wrong admin keys from one client address: refused for a while once too many, counted and logged. Before, 300 wrong
/// keys in 16 s were each a 401 and the right one worked at once after them; nothing was counted (helper-115).
/// The silo takes the client's address from X-Forwarded-For, as behind the Kubernetes Ingress, so the test can be
/// two clients from loopback (whose own address is never refused).
/// </summary>
public sealed class AdminWrongKeyTests
{
    [Fact]
    public async Task TooManyWrongKeysFromOneAddress_ThatAddressRefusedEvenWithTheRightKey_OthersAndLoopbackServed()
    {
        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(data.Path, new Dictionary<string, string> { ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" });
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };

        // Loopback: counted, never refused.
        var loopbackWrong = new List<HttpStatusCode>();
        for (var i = 0; i < AdminAuthFailures.MaxFailures * 2; i++)
        {
            using var response = await SendAsync(http, null, $"wrong-admin-key-{i:D8}");
            loopbackWrong.Add(response.StatusCode);
        }

        var wrong = new List<HttpStatusCode>();
        for (var i = 0; i < AdminAuthFailures.MaxFailures; i++)
        {
            using var response = await SendAsync(http, "203.0.113.7", $"wrong-admin-key-{i:D8}");
            wrong.Add(response.StatusCode);
        }

        // Loopback named by X-Forwarded-For is counted like any address: else whoever reaches the port names 127.0.0.1.
        var forgedLoopback = new List<HttpStatusCode>();
        for (var i = 0; i <= AdminAuthFailures.MaxFailures; i++)
        {
            using var response = await SendAsync(http, "127.0.0.1", i < AdminAuthFailures.MaxFailures ? $"wrong-admin-key-{i:D8}" : SiloProcess.AdminKey);
            forgedLoopback.Add(response.StatusCode);
        }

        using var rightKeyAfter = await SendAsync(http, "203.0.113.7", SiloProcess.AdminKey);
        var refusal = await rightKeyAfter.Content.ReadAsStringAsync();
        using var otherAddress = await SendAsync(http, "203.0.113.8", SiloProcess.AdminKey);
        using var loopback = await SendAsync(http, null, SiloProcess.AdminKey);
        var scrape = await PrometheusScrape.FetchAsync(silo.BaseAddress);

        Assert.All(loopbackWrong, static status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, AdminAuthFailures.MaxFailures), HttpStatusCode.TooManyRequests], forgedLoopback);
        Assert.All(wrong, static status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, rightKeyAfter.StatusCode);
        Assert.Contains($"{AdminAuthFailures.MaxFailures} wrong admin keys from this address within 60 s", refusal, StringComparison.Ordinal);
        var retryAfter = int.Parse(rightKeyAfter.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(HttpStatusCode.OK, otherAddress.StatusCode);
        Assert.Equal(HttpStatusCode.OK, loopback.StatusCode);
        Assert.Equal((AdminAuthFailures.MaxFailures * 4) + 2, scrape.Sum("eventpipeline_admin_auth_failures_total", ("surface", "api")));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string? forwardedFor, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/tenants");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await http.SendAsync(request);
    }
}
