using OpenTelemetry.Exporter;
using Orleans.EventPipeline.Processing;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>Settings of the silo's metrics, traces and log export, bound from <c>Pipeline:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Pipeline:Telemetry";

    /// <summary>The largest <see cref="MaxTenantTags"/> accepted: past it one series per tenant and instrument is no longer a bound.</summary>
    public const int MaxTenantTagsLimit = 100_000;

    /// <summary>Serve <c>GET /metrics</c> (Prometheus text exposition) on the silo's HTTP port (<c>Urls</c>).</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>Distinct tenants reported under their own <c>tenant</c> tag; later ones are reported as <c>_other</c>.</summary>
    public int MaxTenantTags { get; set; } = TenantTag.DefaultCap;

    /// <summary>
    /// Base address of an OTLP receiver (a collector, the Aspire dashboard) to export logs, metrics and traces
    /// to; empty leaves OTLP off unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>How <see cref="OtlpEndpoint"/> is spoken to: <c>Grpc</c> (port 4317 by convention) or <c>HttpProtobuf</c> (4318).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>Every wrong setting, each with the fix.</summary>
    public IEnumerable<string> Validate()
    {
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
