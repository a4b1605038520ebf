using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// Carries a new key's secret from the POST that made it to the page that shows it (post, redirect, get):
/// in an encrypted, HttpOnly cookie on that tenant's page only, valid for 2 minutes and deleted by the
/// page that reads it. So the secret is shown once, never in a URL, and reloading the page neither shows
/// it again nor issues another key.
/// </summary>
internal static class NewKeyNotice
{
    private const string CookieName = "eventpipeline-newkey";

    /// <summary>Enough for the redirect to be followed, short enough that an unread secret does not linger.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    public static void Keep(HttpContext http, string tenantId, IssuedApiKey key, string? replaces)
    {
        var payload = JsonSerializer.Serialize(new Shown(tenantId, key.KeyId, key.Secret, key.Name, replaces));
        http.Response.Cookies.Append(CookieName, Protector(http).Protect(payload, Lifetime), new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = PathOf(tenantId),
            MaxAge = Lifetime,
        });
    }

    /// <summary>The key kept for this tenant's page, once: the cookie is deleted as it is read.</summary>
    public static (IssuedApiKey Key, string? Replaces)? Take(HttpContext http, string tenantId)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value))
        {
            return null;
        }

        http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = PathOf(tenantId) });
        try
        {
            var shown = JsonSerializer.Deserialize<Shown>(Protector(http).Unprotect(value));
            // The cookie's path keeps it to its tenant's page in the browser; the tenant inside the encrypted payload
            // keeps it there on the server too, whatever path a client sends it with.
            return shown is null || shown.TenantId != tenantId ? null : (new IssuedApiKey(shown.KeyId, shown.Secret) { Name = shown.Name }, shown.Replaces);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Expired, or made by another silo's keys: the key exists, its secret is simply not shown.
            return null;
        }
    }

    private static string PathOf(string tenantId) => "/ui/tenants/" + tenantId;

    private static ITimeLimitedDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(typeof(NewKeyNotice).FullName!).ToTimeLimitedDataProtector();

    private sealed record Shown(string TenantId, string KeyId, string Secret, string Name, string? Replaces)
    {
        public override string ToString() => $"Shown {{ TenantId = {TenantId}, KeyId = {KeyId} }}";
    }
}
