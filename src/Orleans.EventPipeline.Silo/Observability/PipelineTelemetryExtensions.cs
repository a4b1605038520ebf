using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Observability;

/// <summary>
/// Exports the silo's metrics, traces and logs with OpenTelemetry: <c>GET /metrics</c> for Prometheus on the
/// HTTP port (on by default), and OTLP to a collector or the Aspire dashboard once an endpoint is set
/// (<c>Pipeline:Telemetry:OtlpEndpoint</c>, or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).
/// </summary>
public static class PipelineTelemetryExtensions
{
    /// <summary>The standard OpenTelemetry variable naming the OTLP receiver; the SDK reads its companions (protocol, headers) itself.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The standard OpenTelemetry variable choosing the trace sampler (e.g. <c>always_on</c>, <c>parentbased_traceidratio</c>).</summary>
    public const string SamplerVariable = "OTEL_TRACES_SAMPLER";

    public static WebApplicationBuilder AddPipelineTelemetry(this WebApplicationBuilder builder, TelemetryOptions options, PipelineRole role)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        TenantTag.Cap = options.MaxTenantTags;
        // Without it the Event Hubs client's sends make no spans, and the trace of a request ends at the grain call.
        AppContext.SetSwitch(PipelineTelemetry.AzureActivitySourceSwitch, true);
        // Grain calls carry the caller's trace context (W3C traceparent), so a request's trace continues into the grain.
        builder.UseOrleans(static silo => silo.AddActivityPropagation());

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(PipelineTelemetry.ServiceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId)
                .AddAttributes([new KeyValuePair<string, object>("pipeline.role", ClusterRoles.NameOf(role))]))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineTelemetry.PipelineMeters).AddMeter(PipelineTelemetry.OrleansMeter).AddMeter(PipelineTelemetry.RuntimeMeter)
                    .AddAspNetCoreInstrumentation();
                // The tenant cap bounds the pipeline's series, not the SDK's default limit of 2,000 per metric: with it a
                // metric of tenant x reason would fold into otel_metric_overflow long before MaxTenantTags tenants. The
                // other libraries' metrics get a smaller limit, since the SDK reserves every metric's limit up front.
                var maxTenantTags = options.MaxTenantTags;
                metrics.AddView(instrument => PipelineTelemetry.StreamConfiguration(instrument, maxTenantTags));
                if (options.PrometheusEnabled)
                {
                    metrics.AddPrometheusExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(PipelineTelemetry.TraceSources).AddAspNetCoreInstrumentation();
                if (!ExportsOtlp(builder, options) && string.IsNullOrEmpty(builder.Configuration[SamplerVariable]))
                {
                    // Without an exporter every span would still be recorded, filled and dropped: one per request, two per
                    // grain call, one per Event Hubs send and stream delivery (a seventh of the bytes a one-event
                    // request allocates, docs/PERFORMANCE.md). None is recorded unless a sampler is chosen, by
                    // OTEL_TRACES_SAMPLER or by a host that adds an exporter of its own and sets its sampler after
                    // AddPipelineSilo. Roots still get an unrecorded activity, which carries a client's trace context.
                    tracing.SetSampler(new AlwaysOffSampler());
                }
            });

        if (options.OtlpEndpoint.Length > 0)
        {
            telemetry.UseOtlpExporter(options.OtlpProtocol, new Uri(options.OtlpEndpoint));
        }
        else if (ExportsOtlp(builder, options))
        {
            // Endpoint, protocol and headers from the OTEL_EXPORTER_OTLP_* variables, as every OpenTelemetry SDK reads them.
            telemetry.UseOtlpExporter();
        }

        if (options.PrometheusEnabled)
        {
            builder.Services.AddTransient<IStartupFilter, PrometheusEndpointStartupFilter>();
        }

        return builder;
    }

    private static bool ExportsOtlp(WebApplicationBuilder builder, TelemetryOptions options) =>
        options.OtlpEndpoint.Length > 0 || !string.IsNullOrEmpty(builder.Configuration[OtlpEndpointVariable]);
}
