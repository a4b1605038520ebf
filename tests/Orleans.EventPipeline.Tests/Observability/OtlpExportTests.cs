using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Observability;

/// <summary>The silo process exports logs, metrics and traces over OTLP once <c>Pipeline:Telemetry:OtlpEndpoint</c> is set.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Start_OtlpEndpointSet_LogsMetricsAndTracesReachTheReceiver()
    {
        // An OTLP/HTTP receiver on loopback: it takes every export and remembers which signal it carried.
        var received = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var receiverPort = FreeTcpPorts.Pick(1)[0];
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseUrls($"http://127.0.0.1:{receiverPort}");
        receiverBuilder.Logging.ClearProviders();
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/v1/{signal}", (string signal, HttpContext context) =>
        {
            received.AddOrUpdate(signal, 1, static (_, count) => count + 1);
            return Results.Bytes([], "application/x-protobuf");
        });
        await receiver.StartAsync();

        using var data = new TempDirectory();
        await using var silo = SiloProcess.Start(
            data.Path,
            $"--Pipeline:Telemetry:OtlpEndpoint=http://127.0.0.1:{receiverPort}",
            "--Pipeline:Telemetry:OtlpProtocol=HttpProtobuf",
            // The SDK's own settings, read from configuration like its environment variables: export metrics every second.
            "--OTEL_METRIC_EXPORT_INTERVAL=1000");
        await silo.WaitForReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new PipelineApi(silo.BaseAddress);
        await api.CreateTenantAsync("otlp-export");

        await Poll.UntilAsync(
            () => received.ContainsKey("logs") && received.ContainsKey("metrics") && received.ContainsKey("traces"),
            TimeSpan.FromSeconds(60),
            () => "exports received: " + string.Join(", ", received.Select(static pair => $"{pair.Key} {pair.Value}")));
        await receiver.StopAsync();
    }
}
