using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Grains.Processing;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Silo.Admin;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// <c>/ui/tenants/{id}</c>: one tenant's settings (edited with the admin API's checks and its version as
/// If-Match), keys, newest events, dead letters with replay, archive objects by time range, and delete.
/// Every change is a POST with the anti-forgery token, answered with the page and what happened.
/// </summary>
internal static class TenantPage
{
    /// <summary>Newest events shown: read from the newest archive objects of the last 2 hours.</summary>
    private const int RecentEvents = 20;

    /// <summary>Dead letters shown, newest first.</summary>
    private const int RecentDeadLetters = 20;

    /// <summary>Archive objects listed for a range; the range itself is bounded to 31 days like the API's.</summary>
    private const int MaxArchiveObjects = 200;

    public static void MapTenantPage(this RouteGroupBuilder ui)
    {
        ui.MapGet("/tenants/{tenantId}", static (string tenantId, string? from, string? to, HttpContext http) =>
        {
            var range = ArchiveRange.Read(from, to, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
            // A range value that is not a time is said at the top of the page too: the archive section is far below it.
            return range.Unreadable
                ? RenderAsync(http, tenantId, new PageState { Range = range, Notice = Html.Notice("error", Html.E(range.Problem!)), Status = StatusCodes.Status400BadRequest })
                : RenderAsync(http, tenantId, new PageState { Range = range });
        });
        ui.MapPost("/tenants/{tenantId}/settings", SaveSettingsAsync);
        ui.MapPost("/tenants/{tenantId}/enabled", SetEnabledAsync);
        ui.MapPost("/tenants/{tenantId}/keys", IssueKeyAsync);
        ui.MapPost("/tenants/{tenantId}/keys/{keyId}/rotate", RotateKeyAsync);
        ui.MapPost("/tenants/{tenantId}/keys/{keyId}/revoke", RevokeKeyAsync);
        ui.MapPost("/tenants/{tenantId}/deadletters/replay", ReplayAsync);
        ui.MapPost("/tenants/{tenantId}/delete", DeleteAsync);
    }

    private sealed record PageState
    {
        public string? Notice { get; init; }
        public SettingsForm? Form { get; init; }
        public Dictionary<string, List<string>>? Errors { get; init; }
        /// <summary>The archive listing's range; null for the default (a page shown after a form).</summary>
        public ArchiveRange? Range { get; init; }
        public string? KeyNameError { get; init; }
        public int Status { get; init; } = StatusCodes.Status200OK;
    }

    private static async Task<IResult> SaveSettingsAsync(string tenantId, HttpContext http, IGrainFactory grains, LookupDirectory lookups)
    {
        if (await UiForms.ReadAsync(http) is not { } posted)
        {
            return UiForms.Refused(http);
        }

        var json = Json(http);
        var form = SettingsForm.From(posted);
        var (settings, errors) = form.Parse(json, lookups);
        if (settings is null)
        {
            return await RenderAsync(http, tenantId, new PageState { Form = form, Errors = errors, Notice = Html.Notice("error", "Nothing was saved: fix the fields marked below."), Status = StatusCodes.Status400BadRequest });
        }

        var change = await grains.GetGrain<ITenantGrain>(tenantId).ConfigureAsync(settings, new TenantCondition(form.ShownVersion, IfExists: true));
        return change.Outcome switch
        {
            TenantChangeOutcome.Done => await RenderAsync(http, tenantId, new PageState { Notice = Html.Notice("ok", $"Saved: version {change.Profile.Version}.") }),
            TenantChangeOutcome.VersionMismatch => await ChangedMeanwhileAsync(http, tenantId, "Not saved", change.Profile),
            TenantChangeOutcome.DataRemovalUnfinished => await RemovalUnfinishedAsync(http, tenantId, "Not saved"),
            _ => NotFound(http, tenantId),
        };
    }

    /// <summary>
    /// Enable or disable, only while the tenant is at the version the page showed: the API's If-Match, so a
    /// change made meanwhile (a settings save, a disable by a script) is reported instead of overwritten.
    /// </summary>
    private static async Task<IResult> SetEnabledAsync(string tenantId, HttpContext http, IGrainFactory grains)
    {
        if (await UiForms.ReadAsync(http) is not { } form)
        {
            return UiForms.Refused(http);
        }

        var enabled = form["enabled"].ToString() == "true";
        var notDone = enabled ? "Not enabled" : "Not disabled";
        if (UiForms.Version(form["version"]) is not { } version)
        {
            return await BadVersionAsync(http, tenantId, notDone, form["version"]);
        }

        var change = await grains.GetGrain<ITenantGrain>(tenantId).SetEnabledAsync(enabled, new TenantCondition(version));
        return change.Outcome switch
        {
            TenantChangeOutcome.Done => await RenderAsync(http, tenantId, new PageState { Notice = Html.Notice("ok", enabled ? "Enabled: the tenant's requests are taken again." : "Disabled: the tenant's requests are refused with 403 from now on.") }),
            TenantChangeOutcome.VersionMismatch when change.Profile.Exists => await ChangedMeanwhileAsync(http, tenantId, notDone, change.Profile),
            TenantChangeOutcome.DataRemovalUnfinished => await RemovalUnfinishedAsync(http, tenantId, notDone),
            _ => NotFound(http, tenantId),
        };
    }

    private static async Task<IResult> RemovalUnfinishedAsync(HttpContext http, string tenantId, string notDone) =>
        await RenderAsync(http, tenantId, new PageState
        {
            Notice = Html.Notice("error", $"{notDone}: {Html.E(AdminProblems.DataRemovalUnfinishedDetail(tenantId))}"),
            Status = StatusCodes.Status409Conflict,
        });

    private static async Task<IResult> ChangedMeanwhileAsync(HttpContext http, string tenantId, string notDone, TenantProfile stored) =>
        await RenderAsync(http, tenantId, new PageState
        {
            Notice = Html.Notice("error", $"{notDone}: someone changed this tenant since you opened it (it is at version {stored.Version} now). The page shows what is stored; make your change again."),
            Status = StatusCodes.Status409Conflict,
        });

    private static async Task<IResult> BadVersionAsync(HttpContext http, string tenantId, string notDone, string? sent) =>
        await RenderAsync(http, tenantId, new PageState { Notice = Html.Notice("error", Html.E(UiForms.BadVersion(notDone, sent))), Status = StatusCodes.Status400BadRequest });

    private static async Task<IResult> IssueKeyAsync(string tenantId, HttpContext http, IGrainFactory grains)
    {
        if (await UiForms.ReadAsync(http) is not { } form)
        {
            return UiForms.Refused(http);
        }

        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        if (!(await tenant.GetProfileAsync()).Exists)
        {
            return NotFound(http, tenantId);
        }

        var name = form["name"].ToString().Trim();
        if (IssueKeyRequest.NameProblem(name) is { } problem)
        {
            return await RenderAsync(http, tenantId, new PageState { KeyNameError = problem, Status = StatusCodes.Status400BadRequest });
        }

        if (await tenant.IssueApiKeyAsync(name.Length == 0 ? "default" : name) is not { } key)
        {
            return NotFound(http, tenantId);
        }

        NewKeyNotice.Keep(http, tenantId, key, null);
        return Results.Redirect($"/ui/tenants/{tenantId}");
    }

    private static async Task<IResult> RotateKeyAsync(string tenantId, string keyId, HttpContext http, IGrainFactory grains)
    {
        if (await UiForms.ReadAsync(http) is null)
        {
            return UiForms.Refused(http);
        }

        var key = ApiKeyId.IsWellFormed(keyId) ? await grains.GetGrain<ITenantGrain>(tenantId).RotateApiKeyAsync(keyId) : null;
        if (key is null)
        {
            return await KeyNotFoundAsync(http, tenantId, keyId, $"Key {QuotedValue.Of(keyId)} is not an active key of this tenant");
        }

        NewKeyNotice.Keep(http, tenantId, key, keyId);
        return Results.Redirect($"/ui/tenants/{tenantId}");
    }

    private static async Task<IResult> RevokeKeyAsync(string tenantId, string keyId, HttpContext http, IGrainFactory grains)
    {
        if (await UiForms.ReadAsync(http) is null)
        {
            return UiForms.Refused(http);
        }

        if (!ApiKeyId.IsWellFormed(keyId)
            || !await http.RequestServices.GetRequiredService<ApiKeyResolver>().RevokingAsync(tenantId, () => grains.GetGrain<ITenantGrain>(tenantId).RevokeApiKeyAsync(keyId)))
        {
            return await KeyNotFoundAsync(http, tenantId, keyId, $"This tenant has no key {QuotedValue.Of(keyId)}");
        }

        return await RenderAsync(http, tenantId, new PageState { Notice = Html.Notice("ok", $"Key {Html.E(keyId)} revoked: every gateway refuses it with 401 from its next request.") });
    }

    /// <summary>
    /// The tenant's page with a 404 notice, as the admin API answers <c>key_not_found</c>: an id not of a key id's shape
    /// (a hand-made or truncated URL) names no key, is answered without asking a grain, and the notice says what one looks like.
    /// </summary>
    private static Task<IResult> KeyNotFoundAsync(HttpContext http, string tenantId, string keyId, string detail) =>
        RenderAsync(http, tenantId, new PageState
        {
            Notice = Html.Notice("error", Html.E(ApiKeyId.IsWellFormed(keyId) ? detail + "." : $"{detail}: a key id is {ApiKeyId.Rule}.")),
            Status = StatusCodes.Status404NotFound,
        });

    private static async Task<IResult> ReplayAsync(string tenantId, HttpContext http, IGrainFactory grains)
    {
        if (await UiForms.ReadAsync(http) is null)
        {
            return UiForms.Refused(http);
        }

        if (!(await grains.GetGrain<ITenantGrain>(tenantId).GetProfileAsync()).Exists)
        {
            return NotFound(http, tenantId);
        }

        var result = await grains.GetGrain<IDeadLetterGrain>(tenantId).ReplayAsync();
        return await RenderAsync(http, tenantId, new PageState
        {
            Notice = Html.Notice("ok", $"Replayed with the current settings: {result.Replayed} passed and were archived{(result.ArchiveObject is { } name ? $" ({Html.E(name)})" : "")}, {result.StillFailing} still fail, {result.NotReplayable} cannot be replayed (refused at ingest)."),
        });
    }

    private static async Task<IResult> DeleteAsync(string tenantId, HttpContext http, IGrainFactory grains, IArchiveStore store)
    {
        if (await UiForms.ReadAsync(http) is not { } form)
        {
            return UiForms.Refused(http);
        }

        TenantDataChoice? data = form["data"].ToString() switch
        {
            "keep" => TenantDataChoice.Keep,
            "remove" => TenantDataChoice.Remove,
            _ => null,
        };
        if (data is null)
        {
            return await RenderAsync(http, tenantId, new PageState { Notice = Html.Notice("error", "Not deleted: choose what happens to the tenant's archive and dead letters."), Status = StatusCodes.Status400BadRequest });
        }

        if (UiForms.Version(form["version"]) is not { } version)
        {
            return await BadVersionAsync(http, tenantId, "Not deleted", form["version"]);
        }

        // The API's DELETE with If-Match: the version shown, so data=remove never follows a change the user did not see.
        var (change, deleted) = await http.RequestServices.GetRequiredService<ApiKeyResolver>()
            .RevokingAsync(tenantId, () => TenantDeletion.DeleteAsync(grains, store, tenantId, data.Value, new TenantCondition(version), http.RequestAborted));
        if (deleted is null)
        {
            return change.Outcome switch
            {
                TenantChangeOutcome.VersionMismatch when change.Profile.Exists => await ChangedMeanwhileAsync(http, tenantId, "Not deleted", change.Profile),
                TenantChangeOutcome.DataRemovalUnfinished => await RemovalUnfinishedAsync(http, tenantId, "Not deleted"),
                _ => NotFound(http, tenantId),
            };
        }

        return Html.Page(http, "Deleted", Html.Notice("ok", $"Tenant {Html.E(tenantId)} deleted: {deleted.KeysRevoked} keys revoked, {deleted.ArchiveObjectsRemoved} archive objects and {deleted.DeadLettersRemoved} dead letters removed. <a href=\"/ui/\">Back to the tenants</a>."));
    }

    private static string NewKey(IssuedApiKey key, string? replaces) => Html.Notice(
        "secret",
        $"New key <strong>{Html.E(key.KeyId)}</strong> ({Html.E(key.Name)}){(replaces is null ? "" : $", replacing {Html.E(replaces)}, which works until you revoke it")}. " +
        $"Copy the secret now: it is shown this once and only its hash is kept.<code class=\"secret\" data-key-id=\"{Html.E(key.KeyId)}\">{Html.E(key.Secret)}</code>");

    private static IResult NotFound(HttpContext http, string tenantId) => Html.Page(
        http, "Not found", Html.Notice("error", $"Tenant '{Html.E(tenantId)}' does not exist. <a href=\"/ui/\">Back to the tenants</a>."), StatusCodes.Status404NotFound);

    private static JsonSerializerOptions? _indented;

    private static JsonSerializerOptions Json(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    // The app's JSON settings are one singleton for the process's life: their indented copy is made once.
    private static JsonSerializerOptions Indented(HttpContext http) => _indented ??= new JsonSerializerOptions(Json(http)) { WriteIndented = true };

    private static async Task<IResult> RenderAsync(HttpContext http, string tenantId, PageState state)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return NotFound(http, tenantId);
        }

        var services = http.RequestServices;
        var grains = services.GetRequiredService<IGrainFactory>();
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var profile = await tenant.GetProfileAsync();
        if (!profile.Exists)
        {
            return NotFound(http, tenantId);
        }

        var id = Html.E(tenantId);
        var notice = state.Notice;
        if (NewKeyNotice.Take(http, tenantId) is var (key, replaces))
        {
            notice += NewKey(key, replaces);
        }

        var form = state.Form ?? SettingsForm.From(profile.Settings!, profile.Version, Indented(http));
        var figures = (await DashboardFigures.ReadAsync(services, http.RequestAborted)).Figures(tenantId);
        var body = new StringBuilder();
        body.Append($"""
            <p><a href="/ui/">← Tenants</a></p>
            <h1>{Html.E(profile.Settings!.DisplayName)} <small>{id} · version {profile.Version} · {(profile.Settings.Enabled ? "enabled" : "<span class=\"off\">disabled</span>")}</small></h1>
            {notice}
            {(figures.IsTracked ? $"""
            <section class="card figures" data-tenant="{id}"><div><b class="rate">{Html.N(figures.EventsPerSecond)}</b> events/s</div><div><b class="events">{Html.N(figures.Events)}</b> events</div>
            <div><b>{Html.N(figures.Bytes)}</b> bytes</div><div><b>{Html.N(figures.Rejected)}</b> rejected</div><div><b>{Html.N(figures.Throttled)}</b> throttled</div>
            {IngestChart.Render(figures.Series, 480, 80, axis: true)}
            """ : $"""
            <section class="card figures untracked" data-tenant="{id}">{Html.Notice("error", Html.UntrackedFigures)}
            """)}
            <p class="hint">Grains, activations and calls: <a href="/dashboard/">Orleans Dashboard</a>.</p></section>
            """);
        body.Append(SettingsSection(http, tenantId, form, state.Errors, profile));
        body.Append(await KeysSectionAsync(http, tenant, tenantId, state.KeyNameError));
        body.Append(await RecentEventsSectionAsync(services.GetRequiredService<IArchiveStore>(), services.GetRequiredService<TimeProvider>(), tenantId, http.RequestAborted));
        body.Append(await DeadLettersSectionAsync(http, grains, tenantId));
        var range = state.Range ?? ArchiveRange.Read(null, null, services.GetRequiredService<TimeProvider>().GetUtcNow());
        body.Append(await ArchiveSectionAsync(services.GetRequiredService<IArchiveStore>(), tenantId, range, http.RequestAborted));
        body.Append($"""
            <section class="card danger"><h2>Delete</h2>
            <form method="post" action="/ui/tenants/{id}/delete">{Html.Antiforgery(http)}{VersionField(profile.Version)}
            <p>The tenant's requests are refused at once and every key is revoked. Its data:</p>
            <label><input type="radio" name="data" value="keep" required> keep its archive objects and dead letters in the archive store</label>
            <label><input type="radio" name="data" value="remove"> remove its archive objects and dead letters (cannot be undone)</label>
            <button type="submit" class="danger">Delete {id}</button></form></section>
            """);
        return Html.Page(http, tenantId, body.ToString(), state.Status);
    }

    /// <summary>The version the page shows, sent back by a form that changes the tenant: the API's If-Match.</summary>
    private static string VersionField(long version) => $"<input type=\"hidden\" name=\"version\" value=\"{version.ToString(CultureInfo.InvariantCulture)}\">";

    private static string SettingsSection(HttpContext http, string tenantId, SettingsForm form, Dictionary<string, List<string>>? errors, TenantProfile profile)
    {
        var enabled = profile.Settings!.Enabled;
        string Field(string name, string field, string label, string value, string hint, string attributes = "") => $"""
            <label for="{name}">{label}</label><input id="{name}" name="{name}" value="{Html.E(value)}"{attributes}{(Has(field) ? " aria-invalid=\"true\"" : "")}>
            <small>{hint}</small>{Errors(field)}
            """;
        bool Has(string field) => errors?.ContainsKey(field) == true;
        string Errors(string field) => errors?.TryGetValue(field, out var messages) == true
            ? string.Concat(messages.Select(static m => $"<span class=\"field-error\">{Html.E(m)}</span>"))
            : "";
        var other = errors?.Where(static e => e.Key is not ("displayName" or "limits.eventsPerSecond" or "limits.bytesPerSecond" or "limits.burstSeconds" or "shardCount" or "idempotencyWindow")).SelectMany(static e => e.Value) ?? [];
        var id = Html.E(tenantId);
        return $"""
            <section class="card"><h2>Settings</h2>
            <form method="post" action="/ui/tenants/{id}/enabled" class="inline">{Html.Antiforgery(http)}{VersionField(profile.Version)}<input type="hidden" name="enabled" value="{(enabled ? "false" : "true")}"><button type="submit">{(enabled ? "Disable" : "Enable")} tenant</button></form>
            <form method="post" action="/ui/tenants/{id}/settings" class="settings">{Html.Antiforgery(http)}
            <input type="hidden" name="version" value="{Html.E(form.Version)}">
            {Field("displayName", "displayName", "Display name", form.DisplayName, $"at most {TenantSettings.MaxDisplayNameLength} characters", $" maxlength=\"{TenantSettings.MaxDisplayNameLength}\"")}
            <label><input type="checkbox" name="enabled"{(form.Enabled ? " checked" : "")}> Enabled</label>
            {Field("eventsPerSecond", "limits.eventsPerSecond", "Events per second", form.EventsPerSecond, $"{Html.N((long)TenantLimits.MinRate)} to {Html.N((long)TenantLimits.MaxEventsPerSecond)}")}
            {Field("bytesPerSecond", "limits.bytesPerSecond", "Bytes per second", form.BytesPerSecond, $"{Html.N((long)TenantLimits.MinRate)} to {Html.N((long)TenantLimits.MaxBytesPerSecond)}")}
            {Field("burstSeconds", "limits.burstSeconds", "Burst seconds", form.BurstSeconds, $"{Html.N(TenantLimits.MinBurstSeconds)} to {Html.N(TenantLimits.MaxBurstSeconds, "N0")}")}
            {Field("shardCount", "shardCount", "Shards", form.ShardCount, "1 to 64")}
            {Field("idempotencyWindow", "idempotencyWindow", "Idempotency window", form.IdempotencyWindow, "d.hh:mm:ss, 00:01:00 to 7.00:00:00")}
            <label for="processing">Processing (parsers, mappings, enrichment tables, ordering) as JSON</label>
            <textarea id="processing" name="processing" rows="10">{Html.E(form.Processing)}</textarea>
            {string.Concat(other.Select(static m => $"<span class=\"field-error\">{Html.E(m)}</span>"))}
            <button type="submit">Save settings</button></form></section>
            """;
    }

    private static async Task<string> KeysSectionAsync(HttpContext http, ITenantGrain tenant, string tenantId, string? nameError)
    {
        var id = Html.E(tenantId);
        var rows = new StringBuilder();
        foreach (var key in await tenant.ListApiKeysAsync())
        {
            var keyId = Html.E(key.KeyId);
            var actions = key.Revoked
                ? "revoked"
                : $"""
                  <form method="post" action="/ui/tenants/{id}/keys/{keyId}/rotate" class="inline">{Html.Antiforgery(http)}<button type="submit">Rotate</button></form>
                  <form method="post" action="/ui/tenants/{id}/keys/{keyId}/revoke" class="inline">{Html.Antiforgery(http)}<button type="submit" class="danger">Revoke</button></form>
                  """;
            rows.Append($"<tr data-key-id=\"{keyId}\"><td>{keyId}</td><td>{Html.E(key.Name)}</td><td><code>{Html.E(key.Prefix)}…</code></td><td>{Html.Time(key.CreatedAt)}</td><td>{Html.Time(key.LastUsedAt)}</td><td class=\"key-actions\">{actions}</td></tr>");
        }

        return $"""
            <section class="card"><h2>API keys</h2>
            <table><thead><tr><th>Key</th><th>Name</th><th>Secret starts</th><th>Created</th><th>Last used</th><th></th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"6\">No keys yet.</td></tr>" : rows.ToString())}</tbody></table>
            <form method="post" action="/ui/tenants/{id}/keys" class="row">{Html.Antiforgery(http)}<input name="name" placeholder="Key name, e.g. agent" maxlength="{IssueKeyRequest.MaxNameLength}"{(nameError is null ? "" : " aria-invalid=\"true\"")}><button type="submit">Create key</button></form>
            {(nameError is null ? "" : $"<span class=\"field-error\">No key was created: {Html.E(nameError)}</span>")}</section>
            """;
    }

    private static async Task<string> RecentEventsSectionAsync(IArchiveStore store, TimeProvider time, string tenantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var names = new List<ArchiveObjectName>();
        await foreach (var name in ArchiveCatalog.ListAsync(store, tenantId, now.AddHours(-2), now, cancellationToken))
        {
            names.Add(name);
        }

        var events = new List<Events.NormalizedEvent>();
        foreach (var name in names.OrderByDescending(static n => n.Hour).ThenByDescending(static n => n.LastSequence).Take(3))
        {
            events.AddRange(await ArchiveCatalog.ReadAsync(store, name, cancellationToken));
        }

        var rows = string.Concat(events.OrderByDescending(static e => e.IngestTime).Take(RecentEvents).Select(static e =>
            $"<tr><td>{Html.Time(e.EffectiveTime)}</td><td>{Html.E(e.SeverityText)}</td><td>{Html.E(e.Format.ToString())}</td><td class=\"body\">{Html.E(e.Body.Length > 300 ? e.Body[..300] + "…" : e.Body)}</td></tr>"));
        return $"""
            <section class="card"><h2>Newest events</h2>
            <table class="events"><thead><tr><th>Time</th><th>Severity</th><th>Format</th><th>Body</th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"4\">None archived in the last 2 hours.</td></tr>" : rows)}</tbody></table>
            <p class="hint">As archived: events appear once their archive object is written.</p></section>
            """;
    }

    private static async Task<string> DeadLettersSectionAsync(HttpContext http, IGrainFactory grains, string tenantId)
    {
        DeadLetterSummary summary;
        try
        {
            summary = await grains.GetGrain<IDeadLetterGrain>(tenantId).GetSummaryAsync(RecentDeadLetters);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            return Html.Notice("error", "Dead letters cannot be read now: no processor silo answered. Reload later.");
        }

        var rows = string.Concat(summary.Recent.Select(static l =>
            $"<tr><td>{Html.Time(l.IngestTime)}</td><td>{Html.E(l.Stage)}</td><td>{Html.E(l.Reason)}</td><td class=\"body\">{Html.E(Preview(l.Raw))}</td></tr>"));
        var counts = string.Join(", ", summary.Counts.Select(static c => $"{Html.E(c.Key)} {Html.N(c.Value)}"));
        return $"""
            <section class="card"><h2>Dead letters</h2>
            <p>{Html.N(summary.Total)} in all ({(counts.Length == 0 ? "none" : counts)}); {Html.N(summary.Retained)} kept, {Html.N(summary.Replayed)} replayed.</p>
            <table><thead><tr><th>Ingested</th><th>Stage</th><th>Reason</th><th>Raw</th></tr></thead>
            <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"4\">None kept.</td></tr>" : rows)}</tbody></table>
            <form method="post" action="/ui/tenants/{Html.E(tenantId)}/deadletters/replay">{Html.Antiforgery(http)}<button type="submit">Replay with the current settings</button></form></section>
            """;
    }

    private static string Preview(byte[] raw)
    {
        var text = Encoding.UTF8.GetString(raw, 0, Math.Min(raw.Length, 200));
        return raw.Length > 200 ? text + "…" : text;
    }

    private static async Task<string> ArchiveSectionAsync(IArchiveStore store, string tenantId, ArchiveRange range, CancellationToken cancellationToken)
    {
        var (from, to) = (range.From, range.To);
        string listing;
        if (range.Problem is { } problem)
        {
            listing = Html.Notice("error", Html.E(problem));
        }
        else
        {
            var rows = new StringBuilder();
            var count = 0;
            await foreach (var name in ArchiveCatalog.ListAsync(store, tenantId, from, to, cancellationToken))
            {
                if (++count > MaxArchiveObjects)
                {
                    break;
                }

                rows.Append($"<tr><td>{Html.Time(name.Hour)}</td><td>{Html.E(name.StreamKey)}</td><td class=\"num\">{name.FirstSequence}–{name.LastSequence}</td><td><code>{Html.E(name.Name)}</code></td></tr>");
            }

            listing = $"""
                <table><thead><tr><th>Hour</th><th>Stream</th><th>Positions</th><th>Object</th></tr></thead>
                <tbody>{(rows.Length == 0 ? "<tr><td colspan=\"4\">No archive objects in this range.</td></tr>" : rows.ToString())}</tbody></table>
                {(count > MaxArchiveObjects ? $"<p class=\"hint\">The first {MaxArchiveObjects}; narrow the range for the rest.</p>" : "")}
                """;
        }

        return $"""
            <section class="card"><h2>Archive</h2>
            <form method="get" action="/ui/tenants/{Html.E(tenantId)}" class="row">
            <label>From (UTC) <input type="datetime-local" name="from" value="{range.FromField}"></label>
            <label>To (UTC) <input type="datetime-local" name="to" value="{range.ToField}"></label><button type="submit">List</button></form>
            {listing}</section>
            """;
    }

}
