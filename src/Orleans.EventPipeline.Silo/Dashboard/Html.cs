using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// Server-rendered HTML for the <c>/ui</c> pages: every value written through <see cref="E(string?)"/>
/// (HTML-encoded), every page in one layout with a strict Content-Security-Policy (no inline script or style,
/// nothing from another origin) and no caching, since pages show tenant data and new keys.
/// </summary>
internal static class Html
{
    private const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>In place of a tenant's figures when they are summed under the metrics' <c>_other</c> tag.</summary>
    public static string UntrackedFigures =>
        $"Counted under <code>{Processing.TenantTag.Other}</code>: this silo gives its own figures to the first {N(Processing.TenantTag.Cap)} tenants it records (<code>Pipeline:Telemetry:MaxTenantTags</code>) and sums the rest, this one among them, as <code>tenant=\"{Processing.TenantTag.Other}\"</code>. Its ingest is not shown here; raise the cap to see it.";

    public static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string N(double value, string format = "N1") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? value) => value is { } time ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "—";

    /// <summary>The hidden anti-forgery field every form carries; the token is bound to the signed-in admin.</summary>
    public static string Antiforgery(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    /// <summary>A whole page: <paramref name="body"/> inside the layout, with the sign-out form when signed in.</summary>
    public static IResult Page(HttpContext http, string title, string body, int status = StatusCodes.Status200OK, int? refreshSeconds = null)
    {
        var page = new StringBuilder(body.Length + 1024);
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        if (refreshSeconds is { } seconds)
        {
            page.Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{seconds}\">");
        }

        page.Append(CultureInfo.InvariantCulture, $"<title>{E(title)} · EventPipeline</title><link rel=\"stylesheet\" href=\"{UiAssets.RoutePrefix}/site.css\"></head><body>");
        page.Append("<header><a class=\"brand\" href=\"/ui/\">EventPipeline</a><nav>");
        if (http.User.Identity?.IsAuthenticated == true)
        {
            page.Append("<a href=\"/ui/\">Tenants</a><a href=\"/dashboard/\">Orleans Dashboard</a><a href=\"/admin/v1/reference\">API reference</a>");
            page.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/ui/signout\" class=\"inline\">{Antiforgery(http)}<button type=\"submit\" class=\"link\">Sign out</button></form>");
        }

        page.Append("</nav></header><main>").Append(body).Append("</main></body></html>");
        SetPageHeaders(http.Response);
        return Results.Content(page.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>What every page is sent with, ours or an asset page: the strict policy, no sniffing, no caching.</summary>
    public static void SetPageHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
    }

    /// <summary>A message box; <paramref name="kind"/> is <c>ok</c>, <c>error</c> or <c>secret</c>.</summary>
    public static string Notice(string kind, string html) => $"<div class=\"notice {kind}\" role=\"status\">{html}</div>";
}
