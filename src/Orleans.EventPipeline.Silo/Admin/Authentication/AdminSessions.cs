using System.Globalization;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Admin;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Admin.Authentication;

/// <summary>
/// Whether a <c>/ui</c> cookie still stands for a sign-in, checked on every request that carries one (the pages, their
/// forms and the Orleans Dashboard). It does not when:
/// <list type="bullet">
/// <item>the key it was signed in with is no longer the admin key;</item>
/// <item>it was signed in longer ago than <c>Pipeline:AdminSessionLimit</c>;</item>
/// <item>its session was signed out (<see cref="IAdminSessionGrain"/>): deleting the cookie in one browser left a copy of
/// it (another tab's, a stolen one) valid for the rest of the limit;</item>
/// <item>it has no sign-in time or session id: an earlier build's cookie, which signs in again once.</item>
/// </list>
/// </summary>
internal static class AdminSessions
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var pipeline = services.GetRequiredService<IOptions<PipelineOptions>>().Value;
        var principal = context.Principal;
        if (!AdminCredential.IsConfigured(pipeline.AdminApiKey)
            || principal?.FindFirst(AdminCredential.KeyClaim)?.Value != AdminCredential.Fingerprint(pipeline.AdminApiKey)
            || !long.TryParse(principal.FindFirst(AdminCredential.SignedInClaim)?.Value, CultureInfo.InvariantCulture, out var signedIn)
            || services.GetRequiredService<TimeProvider>().GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(signedIn) >= pipeline.AdminSessionLimit
            || principal.FindFirst(AdminCredential.SessionClaim)?.Value is not { Length: > 0 } session
            || await Session(context.HttpContext, session).IsEndedAsync())
        {
            context.RejectPrincipal();
        }
    }

    /// <summary>Ends the signed-in session of <paramref name="http"/> for every gateway; a failure is thrown (the sign-out is not done).</summary>
    public static Task EndAsync(HttpContext http) =>
        http.User.FindFirst(AdminCredential.SessionClaim)?.Value is { Length: > 0 } session
            ? Session(http, session).EndAsync()
            : Task.CompletedTask;

    private static IAdminSessionGrain Session(HttpContext http, string session) =>
        http.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IAdminSessionGrain>(session);
}
