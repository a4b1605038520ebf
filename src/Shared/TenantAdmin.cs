using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.EventPipeline.Administration;

/// <summary>
/// Sets a tenant up through the admin API as an operator would: its settings, then one ingest key. The
/// load tool, the fault harness and the tests all go through here.
/// </summary>
internal static class TenantAdmin
{
    // The callers' null members mean "leave the tenant's default" (the load tool's shardCount without --shards):
    // the admin API refuses a null member as a likely templating slip, so a null here is left out, not sent.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Creates (or updates) <paramref name="tenantId"/> with <paramref name="settings"/> and returns a new ingest key for it.</summary>
    /// <exception cref="InvalidOperationException">The admin API refused a call; the message has its answer.</exception>
    public static async Task<string> CreateWithKeyAsync(HttpClient http, Uri silo, string adminKey, string tenantId, object settings, string keyName, CancellationToken cancellationToken = default)
    {
        using (var put = Request(HttpMethod.Put, silo, $"/admin/v1/tenants/{tenantId}", adminKey, settings))
        using (var configured = await http.SendAsync(put, cancellationToken))
        {
            await EnsureAsync(configured, cancellationToken);
        }

        using var post = Request(HttpMethod.Post, silo, $"/admin/v1/tenants/{tenantId}/keys", adminKey, new { name = keyName });
        using var issued = await http.SendAsync(post, cancellationToken);
        await EnsureAsync(issued, cancellationToken);
        using var key = JsonDocument.Parse(await issued.Content.ReadAsStringAsync(cancellationToken));
        return key.RootElement.GetProperty("apiKey").GetString()!;
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri silo, string path, string adminKey, object body)
    {
        var request = new HttpRequestMessage(method, new Uri(silo, path)) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return request;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
