using System.Buffers.Text;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// The Orleans Dashboard under <c>/dashboard</c>, behind the admin key like the admin API: its pages,
/// its JSON API and <c>/dashboard/Trace</c>, which streams the live silo log. Tools send the admin
/// API's <c>Authorization: Bearer {Pipeline:AdminApiKey}</c>; a browser cannot add that header, so the
/// dashboard also takes HTTP Basic with the admin key as the password (any user name) and answers 401
/// with a Basic challenge, which makes the browser ask for it. With no admin key the dashboard is off.
/// </summary>
public static class DashboardEndpoints
{
    public const string RoutePrefix = "/dashboard";

    private const string Challenge = "Basic realm=\"Orleans Dashboard\", charset=\"UTF-8\"";

    /// <summary>
    /// The dashboard runs only where an admin key can guard it; without one its services are not
    /// added either, so no grain call is profiled and no log line is kept for a page nobody may open.
    /// </summary>
    public static bool IsEnabled(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AdminApiKey.Length > 0;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!IsEnabled(app.Services.GetRequiredService<IOptions<PipelineOptions>>().Value))
        {
            app.MapGet(RoutePrefix + "/{**rest}", static () => Results.Problem(
                statusCode: 403,
                title: "dashboard_disabled",
                detail: $"The Orleans Dashboard is off: it is served only behind the admin key. Set Pipeline:AdminApiKey, then open {RoutePrefix}/ and sign in with the key as the password."));
            return app;
        }

        // Filters run in the order added: the Basic translation wraps the admin API's own check.
        app.MapOrleansDashboard(RoutePrefix)
            .AddEndpointFilter(AcceptBasicAndChallenge)
            .AddEndpointFilter(AdminApi.RequireAdminKey);
        return app;
    }

    /// <summary>
    /// Rewrites a Basic credential into the bearer form, so that the admin filter stays the one place
    /// the key is compared (in constant time); on 401 adds the challenge a browser answers with its prompt.
    /// </summary>
    private static async ValueTask<object?> AcceptBasicAndChallenge(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (BasicPassword(http.Request.Headers.Authorization.ToString()) is { } password)
        {
            http.Request.Headers.Authorization = "Bearer " + password;
        }

        var result = await next(context);
        if (result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status401Unauthorized })
        {
            http.Response.Headers.WWWAuthenticate = Challenge;
            return Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "unauthorized",
                detail: "Send 'Authorization: Bearer <Pipeline:AdminApiKey>', or in a browser sign in with any user name and the admin key as the password.");
        }

        return result;
    }

    /// <summary>The password of <c>Basic base64(user:password)</c>, or null for any other header.</summary>
    private static string? BasicPassword(string authorization)
    {
        const string Scheme = "Basic ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = authorization.AsSpan(Scheme.Length).Trim();
        var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (!Convert.TryFromBase64Chars(encoded, decoded, out var length))
        {
            return null;
        }

        var credentials = Encoding.UTF8.GetString(decoded, 0, length);
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : credentials[(colon + 1)..];
    }
}
