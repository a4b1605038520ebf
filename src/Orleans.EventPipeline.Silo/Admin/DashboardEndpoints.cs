using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// The Orleans Dashboard under <c>/dashboard</c>, behind the admin key like the admin API: its pages,
/// its JSON API and <c>/dashboard/Trace</c>, which streams the live silo log. Tools send the admin
/// API's <c>Authorization: Bearer {Pipeline:AdminApiKey}</c>; a browser cannot add that header, so the
/// dashboard also takes HTTP Basic with the admin key as the password (any user name) and answers 401
/// with a Basic challenge, which makes the browser ask for it, and the <c>/ui</c> sign-in cookie
/// (<see cref="AdminPolicies.Dashboard"/>). With no admin key the dashboard is off.
/// </summary>
public static class DashboardEndpoints
{
    public const string RoutePrefix = "/dashboard";

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
            app.MapGet(RoutePrefix + "/{**rest}", static () => Gateway.ApiProblem.Result(
                StatusCodes.Status403Forbidden,
                "dashboard_disabled",
                $"The Orleans Dashboard is off: it is served only behind the admin key. Set Pipeline:AdminApiKey, then open {RoutePrefix}/ and sign in with the key as the password."));
            return app;
        }

        app.MapOrleansDashboard(RoutePrefix)
            .RequireAuthorization(AdminPolicies.Dashboard)
            .AddEndpointFilter(FrameAndSniffing)
            .AddEndpointFilter(ApplicationGrainLabels.ServeScript);
        return app;
    }

    /// <summary>
    /// The dashboard's pages sent as /ui's are, as far as its own scripts allow: never in another site's frame (a page
    /// that frames it could have the signed-in admin click in it), never sniffed; and <c>/dashboard/Trace</c>, which
    /// sends the log with no type (its lines hold names admins chose), as text.
    /// </summary>
    private static async ValueTask<object?> FrameAndSniffing(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var response = context.HttpContext.Response;
        response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.OnStarting(static state =>
        {
            var started = (HttpResponse)state;
            started.ContentType ??= "text/plain; charset=utf-8";
            return Task.CompletedTask;
        }, response);
        return await next(context);
    }
}
