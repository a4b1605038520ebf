using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>
/// Logs through the real OpenTelemetry .NET SDK and its OTLP exporter, as an application would, and checks what
/// the archive holds for those records.
/// </summary>
internal static partial class OtlpExporterRun
{
    public const int Records = 25;

    /// <summary>Logs <paramref name="records"/> records and returns once the exporter has flushed them (the provider is disposed).</summary>
    public static void Log(Uri endpoint, OtlpExportProtocol protocol, string key, int records)
    {
        using (var loggers = LoggerFactory.Create(builder => builder.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.SetResourceBuilder(ResourceBuilder.CreateEmpty()
                .AddService("checkout", serviceVersion: "2.1.0")
                .AddAttributes([new("deployment.environment", "test"), new("host.name", "web-7")]));
            logging.AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = protocol;
                exporter.Headers = "Authorization=Bearer " + key;
            });
        })))
        {
            var logger = loggers.CreateLogger("Shop.Orders");
            for (var i = 0; i < records; i++)
            {
                LogLate(logger, i, "ann");
            }
        }
    }

    /// <summary>Each record once, with its attributes, severity, scope and the resource.</summary>
    public static void AssertArchived(IReadOnlyList<NormalizedEvent> events)
    {
        Assert.Equal(Enumerable.Range(0, Records), events.Select(static e => (int)e.Attributes["OrderId"].IntValue).Order());
        Assert.All(events, static e =>
        {
            Assert.Equal(SourceFormat.Otlp, e.Format);
            Assert.Equal($"Order {e.Attributes["OrderId"].IntValue} late for ann", e.Body);
            Assert.Equal("ann", e.Attributes["User"].Text);
            Assert.Equal(13, e.SeverityNumber);
            Assert.Equal("Shop.Orders", e.Attributes["otel.scope.name"].Text);
            Assert.Equal("checkout", e.Resource["service.name"]);
            Assert.Equal("2.1.0", e.Resource["service.version"]);
            Assert.Equal("test", e.Resource["deployment.environment"]);
            Assert.Equal("web-7", e.Resource["host.name"]);
            Assert.NotNull(e.Timestamp);
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} late for {User}")]
    private static partial void LogLate(ILogger logger, int orderId, string user);
}
