using OpenTelemetry.Exporter;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>
/// Serves <c>GET /metrics</c> ahead of the silo's own endpoints, on every role: a processor silo, which maps
/// only health, holds the processing metrics. Unauthenticated, like <c>/healthz</c>: it names tenants and
/// counts, never keys or events.
/// </summary>
internal sealed class PrometheusEndpointStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint();
        next(app);
    };
}
