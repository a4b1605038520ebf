using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// <c>/ui/signin</c> and <c>/ui/signout</c>: the admin key, typed once, becomes an HttpOnly, SameSite=Strict
/// cookie (Secure over TLS) holding a signed principal, never the key (<see cref="AdminPolicies"/>).
/// </summary>
internal static partial class SignInPages
{
    public static void MapSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminPolicies.SignInPath, static (HttpContext http, string? returnUrl) => Form(http, returnUrl, null));
        endpoints.MapPost(AdminPolicies.SignInPath, SignInAsync);
        // Behind the cookie like the pages: the form's anti-forgery token is bound to the signed-in admin.
        endpoints.MapPost("/ui/signout", (Func<HttpContext, Task<IResult>>)SignOutAsync).RequireAuthorization(AdminPolicies.Ui);
    }

    private static IResult Form(HttpContext http, string? returnUrl, string? error, int status = StatusCodes.Status200OK)
    {
        var configured = http.RequestServices.GetRequiredService<IOptions<PipelineOptions>>().Value.AdminApiKey;
        var notice = !AdminCredential.IsConfigured(configured)
            ? Html.Notice("error", "The dashboard is off: set <code>Pipeline:AdminApiKey</code> and restart the silo.")
            : error is null ? "" : Html.Notice("error", Html.E(error));
        var body = $"""
            <section class="signin"><h1>Sign in</h1>{notice}
            <form method="post" action="{AdminPolicies.SignInPath}">{Html.Antiforgery(http)}
            <input type="hidden" name="returnUrl" value="{Html.E(returnUrl)}">
            <label for="key">Admin key <small>(<code>Pipeline:AdminApiKey</code>)</small></label>
            <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
            <button type="submit">Sign in</button></form></section>
            """;
        return Html.Page(http, "Sign in", body, status);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IOptions<PipelineOptions> options, TimeProvider timeProvider, AdminAuthFailures failures)
    {
        var form = await UiForms.ReadAsync(http);
        if (form is null)
        {
            return UiForms.Refused(http);
        }

        var configured = options.Value.AdminApiKey;
        string returnUrl = form["returnUrl"].ToString();
        if (failures.RetryAfter(http) is { } wait)
        {
            failures.Record(http, "ui");
            RetryAfterHeader.Set(http.Response, wait);
            return Form(http, returnUrl, AdminAuthFailures.TooMany(wait), StatusCodes.Status429TooManyRequests);
        }

        if (!AdminCredential.Matches(configured, form["key"].ToString()))
        {
            failures.Record(http, "ui");
            return Form(http, returnUrl, "That is not the admin key.", StatusCodes.Status401Unauthorized);
        }

        await http.SignInAsync(AdminPolicies.CookieScheme, AdminCredential.Principal(AdminPolicies.CookieScheme, AdminCredential.Fingerprint(configured), timeProvider.GetUtcNow()));
        return Results.Redirect(IsLocal(returnUrl) ? returnUrl : "/ui/");
    }

    private static async Task<IResult> SignOutAsync(HttpContext http)
    {
        if (await UiForms.ReadAsync(http) is null)
        {
            return UiForms.Refused(http);
        }

        // Ended for every gateway before the cookie is deleted: a copy of it must not outlive the sign-out. When that
        // is not stored, the browser stays signed in and is told so, to sign out again: deleting its cookie would leave
        // every copy working with no page left to end them from.
        try
        {
            await AdminSessions.EndAsync(http);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogSignOutNotStored(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInPages)), exception);
            return Html.Page(http, "Not signed out", Html.Notice("error", "You are still signed in: the sign-out could not be stored (the grain store did not answer), so this session's cookie would still work elsewhere. Sign out again in a moment."), StatusCodes.Status503ServiceUnavailable);
        }

        await http.SignOutAsync(AdminPolicies.CookieScheme);
        return Results.Redirect(AdminPolicies.SignInPath);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A /ui sign-out was not stored; the session stays signed in")]
    private static partial void LogSignOutNotStored(ILogger logger, Exception exception);

    // Only our own pages: a sign-in link must not be able to send the admin on to another site. Printable ASCII only,
    // as a browser sends a path: a CR, LF or "é" cannot go in a Location header, and threw there (a 500 after the
    // right key, the admin not signed in).
    private static bool IsLocal(string url) =>
        (url.StartsWith("/ui/", StringComparison.Ordinal) || url.StartsWith("/dashboard/", StringComparison.Ordinal))
        && !url.Contains("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal)
        && !url.AsSpan().ContainsAnyExceptInRange('!', '~');
}
