using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>Creates the run's tenants through the admin API, with limits above what the run can send.</summary>
internal static class TenantSetup
{
    public static async Task<List<string>> CreateAsync(HttpClient http, string adminKey, int tenants, int shards)
    {
        var keys = new List<string>();
        for (var t = 0; t < tenants; t++)
        {
            var id = $"load-{t}";
            using var put = new HttpRequestMessage(HttpMethod.Put, $"/admin/v1/tenants/{id}")
            {
                Content = JsonContent.Create(new
                {
                    displayName = id,
                    enabled = true,
                    limits = new { eventsPerSecond = 10_000_000.0, bytesPerSecond = 10_000_000_000.0, burstSeconds = 2.0 },
                    shardCount = shards > 0 ? (int?)shards : null,
                }),
            };
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var configured = await http.SendAsync(put);
            configured.EnsureSuccessStatusCode();
            using var post = new HttpRequestMessage(HttpMethod.Post, $"/admin/v1/tenants/{id}/keys") { Content = JsonContent.Create(new { name = "load" }) };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var issued = await http.SendAsync(post);
            issued.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
            keys.Add(json.RootElement.GetProperty("apiKey").GetString()!);
        }

        return keys;
    }
}
