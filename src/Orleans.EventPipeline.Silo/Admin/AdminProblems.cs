using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// The admin API's answers that are not plain <see cref="ApiProblem"/>s: the 400 with field-level messages,
/// and the tenant answers every endpoint shares. Same shape: <c>application/problem+json</c>, <c>error</c> and <c>detail</c>.
/// </summary>
internal static class AdminProblems
{
    /// <summary>
    /// 400 <c>invalid_settings</c>: <c>detail</c> has every problem, and <c>errors</c> maps each field (the
    /// path the message starts with, e.g. <c>limits.eventsPerSecond</c>) to its messages.
    /// </summary>
    public static IResult InvalidSettings(IReadOnlyList<string> problems)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var group in problems.GroupBy(FieldOf, StringComparer.Ordinal))
        {
            errors[group.Key] = [.. group];
        }

        return Results.Problem(
            detail: string.Join(" ", problems),
            statusCode: StatusCodes.Status400BadRequest,
            title: "invalid_settings",
            extensions: new Dictionary<string, object?> { ["error"] = "invalid_settings", ["errors"] = errors });
    }

    public static IResult TenantNotFound(string tenantId) =>
        ApiProblem.Result(StatusCodes.Status404NotFound, "tenant_not_found", $"Tenant '{tenantId}' does not exist.");

    public static IResult TenantExists(string tenantId, TenantProfile profile) => ApiProblem.Result(
        StatusCodes.Status409Conflict,
        "tenant_exists",
        $"Tenant '{tenantId}' exists already (version {profile.Version}): PUT /admin/v1/tenants/{tenantId} with If-Match: {TenantEtag.Of(profile)} to change it.");

    /// <summary>Why a tenant whose data removal did not finish is not enabled or deleted with its data kept; the dashboard says the same.</summary>
    public static string DataRemovalUnfinishedDetail(string tenantId) =>
        $"Tenant '{tenantId}' is disabled by a delete with data=remove that did not finish: its data may be partly removed, so it is neither enabled nor deleted keeping its data until that delete finishes. Repeat it: DELETE /admin/v1/tenants/{tenantId}?data=remove.";

    public static IResult DataRemovalUnfinished(string tenantId) =>
        ApiProblem.Result(StatusCodes.Status409Conflict, "data_removal_unfinished", DataRemovalUnfinishedDetail(tenantId));

    public static IResult VersionMismatch(HttpContext http, TenantProfile profile)
    {
        http.Response.Headers.ETag = TenantEtag.Of(profile);
        return ApiProblem.Result(
            StatusCodes.Status412PreconditionFailed,
            "version_mismatch",
            profile.Exists
                ? $"Tenant '{profile.TenantId}' changed since it was read: it is at version {profile.Version} now (ETag {TenantEtag.Of(profile)}). Read it again, apply the change to what is there, and send that ETag in If-Match."
                : $"Tenant '{profile.TenantId}' does not exist, so no version matches If-Match.");
    }

    private static IResult AlreadyExists(HttpContext http, TenantProfile profile)
    {
        http.Response.Headers.ETag = TenantEtag.Of(profile);
        return ApiProblem.Result(
            StatusCodes.Status412PreconditionFailed,
            "version_mismatch",
            $"Tenant '{profile.TenantId}' exists (version {profile.Version}, ETag {TenantEtag.Of(profile)}), and If-None-Match: * creates it only when absent; nothing was changed. To change it, send that ETag in If-Match instead.");
    }

    /// <summary>The problem for an outcome that is not <see cref="TenantChangeOutcome.Done"/>.</summary>
    public static IResult For(HttpContext http, string tenantId, TenantChange change) => change.Outcome switch
    {
        // A PUT that asked for a version of a tenant that is not there: no version matches (RFC 9110 §13.1.1).
        TenantChangeOutcome.NotFound when http.Request.Method == HttpMethods.Put => VersionMismatch(http, change.Profile),
        TenantChangeOutcome.NotFound => TenantNotFound(tenantId),
        TenantChangeOutcome.AlreadyExists when http.Request.Method == HttpMethods.Post => TenantExists(tenantId, change.Profile),
        // A PUT with If-None-Match: * met a tenant: nothing was read, so "changed since it was read" would be untrue.
        TenantChangeOutcome.AlreadyExists => AlreadyExists(http, change.Profile),
        TenantChangeOutcome.DataRemovalUnfinished => DataRemovalUnfinished(tenantId),
        _ => VersionMismatch(http, change.Profile),
    };

    // "limits.eventsPerSecond is 0: use ..." → "limits.eventsPerSecond"; "Normalization.Json.X ..." → "processing.normalization.json.X".
    public static string FieldOf(string problem)
    {
        var end = problem.IndexOfAny([' ', ':']);
        var path = end < 0 ? problem : problem[..end];
        if (path.Length > 0 && char.IsUpper(path[0]))
        {
            path = "processing." + string.Join('.', path.Split('.').Select(static part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));
        }

        return path;
    }
}
