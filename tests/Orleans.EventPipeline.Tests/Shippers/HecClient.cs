using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>Real HTTP calls to a silo's HEC endpoints, in the forms HEC clients use.</summary>
internal sealed class HecClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public static AuthenticationHeaderValue Splunk(string key) => new("Splunk", key);

    public Task<HttpResponseMessage> PostAsync(string path, AuthenticationHeaderValue? authorization, string body, string contentType = "application/json", Guid? channel = null) =>
        PostAsync(path, authorization, new ByteArrayContent(Encoding.UTF8.GetBytes(body)), contentType, channel);

    public async Task<HttpResponseMessage> PostAsync(string path, AuthenticationHeaderValue? authorization, HttpContent content, string contentType = "application/json", Guid? channel = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Authorization = authorization;
        if (channel is { } id)
        {
            request.Headers.Add("X-Splunk-Request-Channel", id.ToString());
        }

        return await _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    /// <summary>The status of each ack id on the channel.</summary>
    public async Task<Dictionary<long, bool>> AcksAsync(string key, Guid channel, params long[] ids)
    {
        using var response = await PostAsync($"/services/collector/ack?channel={channel}", Splunk(key), JsonSerializer.Serialize(new { acks = ids }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("acks").EnumerateObject().ToDictionary(static p => long.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture), static p => p.Value.GetBoolean());
    }

    /// <summary>The HEC answer: status, <c>code</c>, and the whole body.</summary>
    public static async Task<(int Status, int Code, JsonElement Body)> AnswerAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, body.GetProperty("code").GetInt32(), body);
    }

    public void Dispose() => _http.Dispose();
}
