using System.Text;
using Orleans.EventPipeline.Silo.Admin;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// <c>/ui/</c>: every tenant (a page of the directory at a time) with its live figures from
/// <see cref="DashboardFigures"/> (the cluster's) and the last hour's ingest, refreshed every 5 s; and <c>/ui/new-tenant</c>, the
/// form that creates a tenant, on a page of its own that does not refresh (the list's refresh wiped what was typed).
/// Not <c>/ui/tenants/new</c>: "new" is a valid tenant id, whose page that would hide.
/// </summary>
internal static class TenantsPage
{
    /// <summary>Seconds between refreshes: a rate over a minute, in 10 s buckets, moves visibly within that.</summary>
    private const int RefreshSeconds = 5;

    private const int PageSize = 100;

    /// <summary>The browser's own check of <see cref="TenantId.Rule"/>, before the server's.</summary>
    private const string IdPattern = "[a-z0-9][a-z0-9\\-]{0,62}";

    public const string NewTenantPath = "/ui/new-tenant";

    public static void MapTenantsPage(this RouteGroupBuilder ui)
    {
        ui.MapGet("/", RenderAsync);
        ui.MapGet("/new-tenant", static (HttpContext http) => NewTenantPage(http, null, null));
        ui.MapPost("/tenants", CreateAsync);
    }

    private static async Task<IResult> RenderAsync(HttpContext http, string? q, string? after, IGrainFactory grains, IServiceProvider services)
    {
        if (after is not null && !TenantId.IsValid(after))
        {
            after = null;
        }

        var page = await TenantListing.ReadAsync(grains, after, string.IsNullOrWhiteSpace(q) ? null : q.Trim(), PageSize);
        var activity = await DashboardFigures.ReadAsync(services, http.RequestAborted);
        var rows = new StringBuilder();
        foreach (var tenant in page.Items)
        {
            var f = activity.Figures(tenant.TenantId);
            var id = Html.E(tenant.TenantId);
            if (!f.IsTracked)
            {
                rows.Append($"""
                    <tr data-tenant="{id}"><td><a href="/ui/tenants/{id}">{id}</a></td><td>{Html.E(tenant.DisplayName)}</td>
                    <td class="status">{(tenant.Enabled ? "enabled" : "<span class=\"off\">disabled</span>")}</td>
                    <td colspan="8" class="untracked">{Html.UntrackedFigures}</td></tr>
                    """);
                continue;
            }

            rows.Append($"""
                <tr data-tenant="{id}"><td><a href="/ui/tenants/{id}">{id}</a></td><td>{Html.E(tenant.DisplayName)}</td>
                <td class="status">{(tenant.Enabled ? "enabled" : "<span class=\"off\">disabled</span>")}</td>
                <td class="num rate">{Html.N(f.EventsPerSecond)}</td><td class="num events">{Html.N(f.Events)}</td>
                <td class="num bytes">{Html.N(f.Bytes)}</td><td class="num rejected">{Html.N(f.Rejected)}</td>
                <td class="num throttled">{Html.N(f.Throttled)}</td><td class="num deadletters">{Html.N(f.DeadLetters)}</td>
                <td class="num lag">{(f.ArchiveLagSeconds is { } lag ? Html.N(lag) + " s" : "—")}</td>
                <td>{IngestChart.Render(f.Series, 120, 24, axis: false)}</td></tr>
                """);
        }

        var next = page.Next is { } cursor
            ? $"<p><a href=\"/ui/?after={Uri.EscapeDataString(cursor)}&amp;q={Uri.EscapeDataString(q ?? "")}\">Next {PageSize} tenants →</a></p>"
            : "";
        var body = $"""
            <h1>Tenants</h1>
            <p><a class="button" href="{NewTenantPath}">Create a tenant</a></p>
            <section class="card"><h2>Ingest, every tenant</h2>{IngestChart.Render(activity.TotalSeries(), 720, 120, axis: true)}</section>
            <section class="card"><form method="get" action="/ui/" class="row"><input name="q" placeholder="Filter by id or name" value="{Html.E(q)}"><button type="submit">Filter</button></form>
            <table class="tenants"><thead><tr><th>Tenant</th><th>Name</th><th>Status</th><th>Events/s</th><th>Events</th><th>Bytes</th><th>Rejected</th><th>Throttled (429)</th><th>Dead letters</th><th>Archive lag</th><th>Last hour</th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"11\">No tenants yet.</td></tr>" : rows.ToString())}</tbody></table>{next}
            <p class="hint">{Html.E(activity.Source)}; refreshed every {RefreshSeconds} s.</p></section>
            """;
        return Html.Page(http, "Tenants", body, StatusCodes.Status200OK, RefreshSeconds);
    }

    /// <summary>The create form; after a refusal, with what was typed and why.</summary>
    private static IResult NewTenantPage(HttpContext http, string? notice, (string Id, string Name)? typed) => Html.Page(
        http,
        "New tenant",
        $"""
        <p><a href="/ui/">← Tenants</a></p>
        <h1>Create a tenant</h1>{notice}
        <section class="card"><form method="post" action="/ui/tenants" class="row">{Html.Antiforgery(http)}
        <input name="tenantId" placeholder="id, e.g. acme" value="{Html.E(typed?.Id)}" required pattern="{IdPattern}" title="{Html.E(TenantId.Rule)}">
        <input name="displayName" placeholder="Display name" value="{Html.E(typed?.Name)}" required maxlength="{TenantSettings.MaxDisplayNameLength}">
        <button type="submit">Create</button></form>
        <p class="hint">The id is how clients and the API name the tenant: {Html.E(TenantId.Rule)}. Limits, shards and processing are set on its page next.</p></section>
        """,
        notice is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains)
    {
        var form = await UiForms.ReadAsync(http);
        if (form is null)
        {
            return UiForms.Refused(http);
        }

        var id = form["tenantId"].ToString().Trim();
        var name = form["displayName"].ToString().Trim();
        if (!TenantId.IsValid(id))
        {
            return NewTenantPage(http, Html.Notice("error", $"{Html.E(QuotedValue.Of(id))} is not a tenant id: use {Html.E(TenantId.Rule)}."), (id, name));
        }

        var settings = new TenantSettings(name, Enabled: true);
        if (settings.Validate() is { Count: > 0 } problems)
        {
            return NewTenantPage(http, Html.Notice("error", Html.E(string.Join(" ", problems))), (id, name));
        }

        var change = await grains.GetGrain<ITenantGrain>(id).ConfigureAsync(settings, new TenantCondition(IfAbsent: true));
        if (change.Outcome != TenantChangeOutcome.Done)
        {
            return NewTenantPage(http, Html.Notice("error", $"Tenant '{Html.E(id)}' exists already: <a href=\"/ui/tenants/{Html.E(id)}\">open it</a>."), (id, name));
        }

        return Results.Redirect($"/ui/tenants/{id}");
    }
}
