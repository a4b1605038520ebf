using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// The tenant dashboard at <c>/ui</c>: plain server-rendered HTML from minimal API endpoints, one stylesheet
/// and no script. Chosen over a component library (Blazor with FluentUI or MudBlazor) because its pages are
/// forms and tables: HTML forms need no circuit or WebSocket per open page, work behind any proxy, and are
/// driven by a browser test without waiting for a framework to hydrate; the silo stays one process with one
/// stylesheet to serve.
/// </summary>
public static class UiEndpoints
{
    public const string RoutePrefix = "/ui";

    public static IServiceCollection AddTenantDashboard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<TenantActivity>();
        services.AddHostedService(static provider => provider.GetRequiredService<TenantActivity>());
        services.AddHostedService<TenantActivityPusher>();
        return services;
    }

    public static WebApplication MapTenantDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapUiAssets();
        app.MapSignIn();
        var ui = app.MapGroup(RoutePrefix)
            .RequireAuthorization(AdminPolicies.Ui)
            .AddEndpointFilter(RequireValidTenantId)
            .AddEndpointFilter(ProcessorAvailability.RequireProcessor)
            .ExcludeFromDescription();
        if (app.Services.GetRequiredService<IOptions<PipelineOptions>>().Value.AdminApiKey.Length == 0)
        {
            // Nothing to sign in with: every page says so instead of sending the browser to a form that cannot work.
            app.MapGet(RoutePrefix + "/{**rest}", static () => Results.Redirect(AdminPolicies.SignInPath)).ExcludeFromDescription();
            return app;
        }

        ui.MapTenantsPage();
        ui.MapTenantPage();
        return app;
    }

    /// <summary>A page or form of a tenant id that cannot exist is a 404 page, before any grain is called with it.</summary>
    private static async ValueTask<object?> RequireValidTenantId(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.RouteValues.TryGetValue("tenantId", out var value) && !TenantId.IsValid(value as string))
        {
            return Html.Page(http, "Not found", Html.Notice("error", $"{Html.E(QuotedValue.Of(value as string))} is not a tenant id: use {Html.E(TenantId.Rule)}. <a href=\"/ui/\">Back to the tenants</a>."), StatusCodes.Status404NotFound);
        }

        return await next(context);
    }
}
