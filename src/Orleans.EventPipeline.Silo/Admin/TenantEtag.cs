using System.Globalization;
using Microsoft.Net.Http.Headers;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// A tenant's ETag is its version, which every settings change (and enable, disable) raises by one:
/// <c>"7"</c>. Key operations do not change it: they are their own resources and conflict with nothing.
/// </summary>
internal static class TenantEtag
{
    public static string Of(TenantProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Of(profile.Version);
    }

    public static string Of(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// The condition of a change from <c>If-Match</c> (one ETag, or <c>*</c>: any existing tenant) and
    /// <c>If-None-Match: *</c> (only if absent). Null with a problem when a header cannot be used.
    /// </summary>
    public static (TenantCondition? Condition, IResult? Problem) Condition(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        var absent = false;
        if (ifNoneMatch.Length > 0)
        {
            if (ifNoneMatch.Trim() != "*")
            {
                return (null, Bad("If-None-Match", ifNoneMatch, "only If-None-Match: * (create, never overwrite) is understood"));
            }

            absent = true;
        }

        var ifMatch = request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0)
        {
            return (new TenantCondition(IfAbsent: absent), null);
        }

        if (ifMatch.Trim() == "*")
        {
            return (new TenantCondition(IfAbsent: absent, IfExists: true), null);
        }

        if (!EntityTagHeaderValue.TryParseStrictList([ifMatch], out var tags) || tags.Count != 1 || tags[0].IsWeak
            || !long.TryParse(tags[0].Tag.AsSpan(1, tags[0].Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return (null, Bad("If-Match", ifMatch, "send the one ETag the tenant was answered with, such as \"3\""));
        }

        return (new TenantCondition(version, absent), null);
    }

    private static IResult Bad(string header, string value, string rule) => Gateway.ApiProblem.Result(
        StatusCodes.Status400BadRequest,
        "invalid_precondition",
        $"{header} {Gateway.QuotedValue.Of(value)} cannot be used: {rule}.");
}
