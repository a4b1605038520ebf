using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using OpenTelemetry.Exporter;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;
using Orleans.EventPipeline.Tests.Processing;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>OTLP over gRPC (h2c on its own port) against the real silo: the real exporter, and the statuses a client sees.</summary>
[Collection(ProcessingSiloGroup.Name)]
public sealed class OtlpGrpcTests(ProcessingPipelineFixture pipeline) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(pipeline.Silo.OtlpGrpcAddress);

    public void Dispose() => _channel.Dispose();

    [Fact]
    public async Task OpenTelemetryExporter_Grpc_EveryRecordArchivedWithAttributesAndResource()
    {
        const string tenant = "otlp-sdk-grpc";
        var key = await pipeline.Api.CreateTenantAsync(tenant);

        OtlpExporterRun.Log(pipeline.Silo.OtlpGrpcAddress, OtlpExportProtocol.Grpc, key, OtlpExporterRun.Records);
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= OtlpExporterRun.Records, TimeSpan.FromSeconds(60));

        OtlpExporterRun.AssertArchived(objects.SelectMany(static o => o.Events).ToList());
    }

    [Fact]
    public async Task Export_PartialSuccessAndOtlpStatusCodes()
    {
        const string tenant = "otlp-grpc-codes";
        var key = await pipeline.Api.CreateTenantAsync(tenant, new
        {
            displayName = tenant,
            enabled = true,
            limits = new { eventsPerSecond = 2.0, bytesPerSecond = 10_000_000.0, burstSeconds = 1.0 },
        });
        var disabledKey = await pipeline.Api.CreateTenantAsync("otlp-grpc-off");
        using var disable = await pipeline.Api.PutTenantAsync("otlp-grpc-off", new { displayName = "otlp-grpc-off", enabled = false });
        var client = new LogsService.LogsServiceClient(_channel);
        var request = OtlpRequests.Of(
            new LogRecord { Body = new AnyValue { StringValue = "kept" } },
            new LogRecord { Body = new AnyValue { StringValue = "bad span" }, SpanId = ByteString.CopyFrom(1, 2) });

        var stored = await client.ExportAsync(request, Bearer(key));
        var limited = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(request, Bearer(key)));
        var anonymous = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(request));
        var disabled = await Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(request, Bearer(disabledKey)));
        var objects = await ArchiveFiles.WaitForAsync(pipeline.ArchiveDirectory, tenant, static e => e.Count >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(1, stored.PartialSuccess.RejectedLogRecords);
        Assert.Contains("record 1: span_id is 2 bytes", stored.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("kept", Assert.Single(objects.SelectMany(static o => o.Events)).Body);
        // Over the rate: RESOURCE_EXHAUSTED, retryable because RetryInfo says when.
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        var details = Silo.Gateway.Otlp.Proto.Status.Parser.ParseFrom(limited.Trailers.GetValueBytes("grpc-status-details-bin"));
        Assert.Equal((int)StatusCode.ResourceExhausted, details.Code);
        Assert.True(Assert.Single(details.Details).Unpack<RetryInfo>().RetryDelay.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, disabled.StatusCode);
    }

    private static Grpc.Core.Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };
}
