using System.Net.Http.Headers;
using System.Text.Json;
using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Processing;

/// <summary>The processing admin endpoints over real HTTP.</summary>
internal static class AdminCalls
{
    public static async Task<JsonElement> GetAsync(Uri baseAddress, string path) => await SendAsync(baseAddress, HttpMethod.Get, path);

    public static async Task<JsonElement> PostAsync(Uri baseAddress, string path) => await SendAsync(baseAddress, HttpMethod.Post, path);

    /// <summary>Polls a GET until <paramref name="done"/> holds for its JSON.</summary>
    public static async Task<JsonElement> WaitForAsync(Uri baseAddress, string path, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var json = await GetAsync(baseAddress, path);
            if (done(json))
            {
                return json;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"GET {path} did not reach the expected state within {timeout}: {json}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static async Task<JsonElement> SendAsync(Uri baseAddress, HttpMethod method, string path)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }
}
