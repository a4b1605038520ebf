using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Orleans.EventPipeline.Administration;
using Orleans.EventPipeline.Audit;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Deploy.Tests.Support;

/// <summary>
/// What both local-cluster commands must do once up: the gateway sees its processors, a keyed batch posted to
/// it is acknowledged, and every one of its events reaches the Blob archive once by event id.
/// </summary>
internal static class ArchivedRoundTrip
{
    private const int Events = 25;
    private static readonly TimeSpan ArchiveTimeout = TimeSpan.FromSeconds(120);

    public static async Task AssertAsync(Uri gateway, string adminKey, string tenant, string storageConnectionString, string archiveContainer)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using (var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(gateway, "/readyz"))))
        {
            Assert.Equal("Healthy", ready.RootElement.GetProperty("checks").GetProperty("processors").GetProperty("status").GetString());
        }

        var posted = DateTimeOffset.UtcNow;
        var key = await TenantAdmin.CreateWithKeyAsync(http, gateway, adminKey, tenant, new { displayName = tenant }, "test");
        var body = string.Join('\n', Enumerable.Range(0, Events).Select(static i => $$"""{"n":{{i}},"message":"event {{i}}"}"""));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/events")) { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("Idempotency-Key", $"{tenant}-batch-1");
        using var answer = await http.SendAsync(request);
        var acknowledged = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, acknowledged);
        using var response = JsonDocument.Parse(acknowledged);
        Assert.Equal(Events, response.RootElement.GetProperty("accepted").GetInt32());
        var batch = response.RootElement.GetProperty("batchId").GetString();

        // The processors archive to Azurite's Blob container; poll it until every event is there.
        var store = await BlobArchiveStore.CreateAsync(new BlobContainerClient(storageConnectionString, archiveContainer), CancellationToken.None);
        var archive = new ArchiveReadback<string>(store, static e => e.EventId, posted, TimeProvider.System);
        var deadline = DateTime.UtcNow + ArchiveTimeout;
        List<string> archived;
        while ((archived = [.. (await archive.ReadAsync(tenant, again: false, CancellationToken.None)).SelectMany(static o => o.Events)]).Count < Events && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(Enumerable.Range(0, Events).Select(i => $"{batch}:{i}").Order(StringComparer.Ordinal), archived.Order(StringComparer.Ordinal));
    }
}
