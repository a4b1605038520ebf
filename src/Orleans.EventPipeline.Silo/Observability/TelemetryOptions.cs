using OpenTelemetry.Exporter;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>Settings of the silo's metrics, traces and log export, bound from <c>Pipeline:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Pipeline:Telemetry";

    /// <summary>The largest <see cref="MaxTenantTags"/> accepted: past it one series per tenant and instrument is no longer a bound.</summary>
    public const int MaxTenantTagsLimit = 100_000;

    /// <summary>The shortest <see cref="MetricsKey"/> accepted, as for the admin key.</summary>
    public const int MinMetricsKeyLength = 16;

    /// <summary>Serve <c>GET /metrics</c> (Prometheus text exposition) on the silo's HTTP port (<c>Urls</c>).</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>
    /// The scrape credential of <c>GET /metrics</c>, sent as <c>Authorization: Bearer</c>. Set, every scrape must send it,
    /// from loopback too; empty, <c>/metrics</c> answers only a client on the silo's own loopback (<see cref="MetricsAccess"/>).
    /// Its own key, never the admin key: Prometheus holds it, and it opens nothing but the metrics.
    /// </summary>
    public string MetricsKey { get; set; } = "";

    /// <summary>Distinct tenants reported under their own <c>tenant</c> tag; later ones are reported as <c>_other</c>.</summary>
    public int MaxTenantTags { get; set; } = TenantTag.DefaultCap;

    /// <summary>
    /// Base address of an OTLP receiver (a collector, the Aspire dashboard) to export logs, metrics and traces
    /// to; empty leaves OTLP off unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>How <see cref="OtlpEndpoint"/> is spoken to: <c>Grpc</c> (port 4317 by convention) or <c>HttpProtobuf</c> (4318).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>Every wrong setting, each with the fix; <paramref name="adminApiKey"/> is <c>Pipeline:AdminApiKey</c>, which <see cref="MetricsKey"/> must not be.</summary>
    public IEnumerable<string> Validate(string adminApiKey)
    {
        ArgumentNullException.ThrowIfNull(adminApiKey);
        const string MetricsKeyPath = SectionName + ":" + nameof(MetricsKey);
        if (MetricsKey.Length is > 0 and < MinMetricsKeyLength)
        {
            yield return $"{MetricsKeyPath} is shorter than {MinMetricsKeyLength} characters: use a long random value (e.g. openssl rand -base64 32), or leave it empty to serve /metrics on loopback only.";
        }
        else if (MetricsKey.Length > 0 && MetricsKey.Trim().Length != MetricsKey.Length)
        {
            // A bearer token is read trimmed (BearerToken), so such a key could never be sent; the usual cause is a secret file's newline.
            yield return $"{MetricsKeyPath} begins or ends with white space (a file's newline?): no request can send it; remove it.";
        }
        else if (MetricsKey.Length > 0 && MetricsKey == adminApiKey)
        {
            yield return $"{MetricsKeyPath} is {PipelineOptions.SectionName}:{nameof(PipelineOptions.AdminApiKey)}: give the scrape its own key, or whatever scrapes /metrics holds the whole admin API.";
        }

        if (MaxTenantTags is < 1 or > MaxTenantTagsLimit)
        {
            yield return $"{SectionName}:MaxTenantTags is {MaxTenantTags}: use 1 to {MaxTenantTagsLimit}; tenants past it are reported under the tenant tag '{TenantTag.Other}'.";
        }

        if (OtlpEndpoint.Length > 0
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            yield return $"{SectionName}:OtlpEndpoint is '{OtlpEndpoint}': use an absolute http:// or https:// address of an OTLP receiver, e.g. http://127.0.0.1:4317, or leave it empty.";
        }

        if (!Enum.IsDefined(OtlpProtocol))
        {
            yield return $"{SectionName}:OtlpProtocol is {OtlpProtocol}: use Grpc or HttpProtobuf.";
        }
    }
}
