using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.EventPipeline.Administration;
using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>Real HTTP calls to a running silo: the admin API to set tenants up, the ingest API to post.</summary>
internal sealed class PipelineApi(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Creates (or updates) a tenant and returns a fresh API key for it.</summary>
    public Task<string> CreateTenantAsync(string tenantId, object? settings = null) =>
        TenantAdmin.CreateWithKeyAsync(_http, _http.BaseAddress!, SiloProcess.AdminKey, tenantId, settings ?? new { displayName = tenantId, enabled = true }, "test");

    public async Task<HttpResponseMessage> PutTenantAsync(string tenantId, object settings)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/admin/v1/tenants/{tenantId}") { Content = JsonContent.Create(settings) };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        return await _http.SendAsync(put);
    }

    /// <summary>Revokes every key of a tenant through the admin API.</summary>
    public async Task RevokeAllKeysAsync(string tenantId)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/admin/v1/tenants/{tenantId}");
        get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        using var profile = await _http.SendAsync(get);
        await EnsureAsync(profile);
        using var json = JsonDocument.Parse(await profile.Content.ReadAsStringAsync());
        foreach (var key in json.RootElement.GetProperty("apiKeys").EnumerateArray())
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/admin/v1/tenants/{tenantId}/keys/{key.GetProperty("keyId").GetString()}");
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
            using var revoked = await _http.SendAsync(delete);
            await EnsureAsync(revoked);
        }
    }

    /// <summary>An admin API call with the admin key; <paramref name="json"/> as the body, <paramref name="headers"/> added as given.</summary>
    public async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? json = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string? apiKey, byte[] body, string contentType, string? contentEncoding = null, string? idempotencyKey = null) =>
        PostAsync(apiKey, new ByteArrayContent(body), contentType, contentEncoding, idempotencyKey);

    public async Task<HttpResponseMessage> PostAsync(string? apiKey, HttpContent content, string contentType, string? contentEncoding = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = content };
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (contentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(contentEncoding);
        }

        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
