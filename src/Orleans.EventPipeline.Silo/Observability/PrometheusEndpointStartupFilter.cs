using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>
/// Serves <c>GET /metrics</c> ahead of the silo's own endpoints, on every role: a processor silo, which maps
/// only health, holds the processing metrics. It names tenants and their traffic, so its branch lets through only
/// what <see cref="MetricsAccess"/> allows, before the exporter reads anything. A refused scrape is logged (the first,
/// then once every <see cref="WarningEvery"/>): after an upgrade without the key, every scrape fails, and the silos
/// look down to Prometheus while they serve.
/// </summary>
internal sealed partial class PrometheusEndpointStartupFilter(
    IOptions<PipelineOptions> options,
    TimeProvider timeProvider,
    ILogger<PrometheusEndpointStartupFilter> logger) : IStartupFilter
{
    private static readonly TimeSpan WarningEvery = TimeSpan.FromMinutes(10);
    private long _warnedAt = long.MinValue;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var metricsKey = options.Value.Telemetry.MetricsKey;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: null,
            path: null,
            configureBranchedPipeline: branch => branch.Use((context, nextStep) =>
            {
                if (MetricsAccess.Allows(context, metricsKey))
                {
                    return nextStep(context);
                }

                WarnRefused(context, metricsKey.Length > 0);
                return MetricsAccess.RefuseAsync(context, metricsKey);
            }),
            optionsName: null);
        next(app);
    };

    private void WarnRefused(HttpContext context, bool keySet)
    {
        var now = timeProvider.GetTimestamp();
        var last = Interlocked.Read(ref _warnedAt);
        if ((last != long.MinValue && timeProvider.GetElapsedTime(last, now) < WarningEvery) || Interlocked.CompareExchange(ref _warnedAt, now, last) != last)
        {
            return;
        }

        var from = context.Connection.RemoteIpAddress?.ToString() ?? "an unknown address";
        if (keySet)
        {
            LogRefusedWrongKey(logger, from, WarningEvery.TotalMinutes);
        }
        else
        {
            LogRefusedNoKey(logger, from, WarningEvery.TotalMinutes);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A scrape of /metrics from {Address} was refused: Pipeline:Telemetry:MetricsKey is not set, so only the silo's own loopback is served; set it and send it as 'Authorization: Bearer' (docs/OPERATIONS.md, \"Scraping /metrics\"). Logged once every {Minutes} minutes")]
    private static partial void LogRefusedNoKey(ILogger logger, string address, double minutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A scrape of /metrics from {Address} was refused: it did not send Pipeline:Telemetry:MetricsKey as 'Authorization: Bearer' (docs/OPERATIONS.md, \"Scraping /metrics\"). Logged once every {Minutes} minutes")]
    private static partial void LogRefusedWrongKey(ILogger logger, string address, double minutes);
}
