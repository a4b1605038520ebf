using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>
/// Serves <c>GET /metrics</c> ahead of the silo's own endpoints, on every role: a processor silo, which maps
/// only health, holds the processing metrics. It names tenants and their traffic, so its branch lets through only
/// what <see cref="MetricsAccess"/> allows, before the exporter reads anything.
/// </summary>
internal sealed class PrometheusEndpointStartupFilter(IOptions<PipelineOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var metricsKey = options.Value.Telemetry.MetricsKey;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: null,
            path: null,
            configureBranchedPipeline: branch => branch.Use((context, nextStep) =>
                MetricsAccess.Allows(context, metricsKey) ? nextStep(context) : MetricsAccess.RefuseAsync(context, metricsKey)),
            optionsName: null);
        next(app);
    };
}
