using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.EventPipeline.FaultHarness.Topology;

/// <summary>Creates the run's tenants and one ingest key each through the admin API, as an operator would.</summary>
internal static class TenantProvisioner
{
    public static async Task<string> CreateAsync(HttpClient http, Uri silo, string tenant, CancellationToken cancellationToken)
    {
        using (var put = Request(HttpMethod.Put, silo, $"/admin/v1/tenants/{tenant}", new { displayName = tenant }))
        using (var created = await http.SendAsync(put, cancellationToken))
        {
            created.EnsureSuccessStatusCode();
        }

        using var post = Request(HttpMethod.Post, silo, $"/admin/v1/tenants/{tenant}/keys", new { name = "fault-harness" });
        using var issued = await http.SendAsync(post, cancellationToken);
        issued.EnsureSuccessStatusCode();
        using var key = JsonDocument.Parse(await issued.Content.ReadAsStringAsync(cancellationToken));
        return key.RootElement.GetProperty("apiKey").GetString()!;
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri silo, string path, object body)
    {
        var request = new HttpRequestMessage(method, new Uri(silo, path)) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloNode.AdminKey);
        return request;
    }
}
