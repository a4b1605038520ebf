using Orleans.EventPipeline.Silo.Admin.Authentication;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>
/// Who may read <c>GET /metrics</c>. Its series carry a <c>tenant</c> tag, so a scrape lists every tenant's id and
/// traffic, and the port it is served on is the one agents post to, reachable from wherever ingest is. So:
/// <list type="bullet">
/// <item>With <c>Pipeline:Telemetry:MetricsKey</c> set, only a request sending it as <c>Authorization: Bearer</c>,
/// from anywhere, loopback too: a proxy or sidecar on the machine that relays without saying so would otherwise make
/// everyone loopback (<see cref="LoopbackCaller"/>).</item>
/// <item>Without it, only a client straight on the silo's own loopback: a local run, its tools (the load generator, the
/// tests) and <c>curl</c> keep working with nothing to set, and anything on the machine can read the silo's settings anyway.</item>
/// </list>
/// A credential rather than only a port of its own: it holds wherever the HTTP port is published (an Ingress that
/// routes <c>/</c>, a LoadBalancer Service, a port-forward), needs no second listener in every launcher and manifest,
/// and Prometheus sends it natively (<c>authorization.credentials_file</c>). Its own key, never the admin key, which
/// would give the scraper the whole admin API; compared in constant time by the admin key's comparison, never logged.
/// </summary>
internal static class MetricsAccess
{
    public static bool Allows(HttpContext context, string metricsKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(metricsKey);
        if (metricsKey.Length == 0)
        {
            return LoopbackCaller.Is(context);
        }

        return BearerToken.Parse(context.Request.Headers.Authorization.ToString()) is { } presented && AdminCredential.Matches(metricsKey, presented);
    }

    /// <summary>401 with what to send, or, with no key set, where the metrics are served: never the metrics, never a 500.</summary>
    public static Task RefuseAsync(HttpContext context, string metricsKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(metricsKey);
        const string Setting = TelemetryOptions.SectionName + ":" + nameof(TelemetryOptions.MetricsKey);
        var detail = metricsKey.Length > 0
            ? $"Send 'Authorization: Bearer <{Setting}>' (docs/OPERATIONS.md, \"Scraping /metrics\")."
            : $"/metrics is served only to the silo's own loopback: set {Setting} on the silo and scrape with 'Authorization: Bearer <key>' (docs/OPERATIONS.md, \"Scraping /metrics\").";
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblem.Result(StatusCodes.Status401Unauthorized, "unauthorized", detail).ExecuteAsync(context);
    }
}
