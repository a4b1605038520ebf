using Microsoft.AspNetCore.Authentication.Cookies;

namespace Orleans.EventPipeline.Silo.Admin.Authentication;

/// <summary>
/// The admin credential as ASP.NET Core authentication: three ways to present the one admin key, and a
/// policy per surface naming which it accepts.
/// </summary>
public static class AdminPolicies
{
    /// <summary>Role of the admin principal, which every admin policy requires.</summary>
    public const string Role = "pipeline-admin";

    /// <summary><c>/admin/v1</c>: the bearer key only; a cookie never authorizes an API call, so no page can be made to send one.</summary>
    public const string Api = "AdminApi";

    /// <summary><c>/ui</c>: the sign-in cookie.</summary>
    public const string Ui = "AdminUi";

    /// <summary><c>/dashboard</c>: the bearer key, Basic with the key as the password, or the <c>/ui</c> cookie.</summary>
    public const string Dashboard = "AdminDashboard";

    public const string BearerScheme = "AdminKey";
    public const string BasicScheme = "AdminKeyOrBasic";
    public const string CookieScheme = "AdminCookie";
    private const string DashboardScheme = "AdminDashboard";

    /// <summary>Name of the <c>/ui</c> sign-in cookie.</summary>
    public const string CookieName = "eventpipeline-admin";

    /// <summary>Where the browser is sent to sign in.</summary>
    public const string SignInPath = "/ui/signin";

    /// <summary>
    /// 8 hours, renewed while used: a working day at the dashboard without signing in again, and a cookie left
    /// on a shared machine stops working by the next morning.
    /// </summary>
    private static readonly TimeSpan CookieLifetime = TimeSpan.FromHours(8);

    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<AdminAuthFailures>();
        // No default scheme: only the endpoints whose policy names a scheme authenticate. With Bearer as the
        // default, every ingest request — its tenant key in the same header — went through the admin key
        // check and logged "AdminKey was not authenticated" at Information: a JSON line per request
        // (107,469 lines in a 60 s run of one-event requests).
        services.AddAuthentication()
            .AddScheme<AdminKeyAuthenticationOptions, AdminKeyAuthenticationHandler>(BearerScheme, null)
            .AddScheme<AdminKeyAuthenticationOptions, AdminKeyAuthenticationHandler>(BasicScheme, static options =>
            {
                options.AcceptBasic = true;
                options.Surface = "dashboard";
                options.ChallengeDetail = "Send 'Authorization: Bearer <Pipeline:AdminApiKey>', or in a browser sign in with any user name and the admin key as the password.";
            })
            .AddCookie(CookieScheme, static options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                // Secure whenever the request came over TLS; plain HTTP on loopback still works for local runs.
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // Strict: no other site's page can make the browser send it, on a link or a form.
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.ExpireTimeSpan = CookieLifetime;
                options.SlidingExpiration = true;
                options.LoginPath = SignInPath;
                options.AccessDeniedPath = SignInPath;
                options.Events.OnValidatePrincipal = AdminSessions.ValidateAsync;
            })
            .AddPolicyScheme(DashboardScheme, null, static options =>
                options.ForwardDefaultSelector = static context =>
                    context.Request.Cookies.ContainsKey(CookieName) && context.Request.Headers.Authorization.Count == 0 ? CookieScheme : BasicScheme);

        services.AddAuthorizationBuilder()
            .AddPolicy(Api, static policy => policy.AddAuthenticationSchemes(BearerScheme).RequireRole(Role))
            .AddPolicy(Ui, static policy => policy.AddAuthenticationSchemes(CookieScheme).RequireRole(Role))
            .AddPolicy(Dashboard, static policy => policy.AddAuthenticationSchemes(DashboardScheme).RequireRole(Role));
        services.AddAntiforgery(static options =>
        {
            options.Cookie.Name = CookieName + "-af";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.FormFieldName = "__af";
        });
        return services;
    }
}
