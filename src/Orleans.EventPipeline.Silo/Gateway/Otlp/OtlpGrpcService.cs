using Google.Protobuf;
using Grpc.Core;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;
using Orleans.EventPipeline.Silo.Gateway.Shippers;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// <c>opentelemetry.proto.collector.logs.v1.LogsService/Export</c>: the tenant from the <c>authorization</c>
/// metadata (<c>Bearer &lt;key&gt;</c>), the same mapping, limits and durable ACK as OTLP/HTTP. Refusals are
/// gRPC statuses as OTLP names them; the retryable ones (RESOURCE_EXHAUSTED over the tenant's rate,
/// UNAVAILABLE when nothing could be stored) carry <c>RetryInfo</c> in <c>grpc-status-details-bin</c>.
/// Bound through <see cref="OtlpLogsServiceBase"/>, whose request marshaller answers a message that is not an
/// ExportLogsServiceRequest with INVALID_ARGUMENT.
/// </summary>
internal sealed class OtlpGrpcService(ShipperIngest ingest, ApiKeyResolver keys) : OtlpLogsServiceBase
{
    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    public override async Task<ExportLogsServiceResponse> Export(OtlpGrpcRequest request, ServerCallContext context)
    {
        if (!ingest.ProcessorActive)
        {
            throw Refuse(new OtlpStatus(StatusCode.Unavailable, StatusCodes.Status503ServiceUnavailable, ProcessorAvailability.NoProcessorDetail, TimeSpan.FromSeconds(ProcessorAvailability.RetryAfterSeconds)));
        }

        TenantKey? tenant;
        try
        {
            tenant = await keys.ResolveAsync(context.RequestHeaders.GetValue("authorization"));
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            throw Refuse(new OtlpStatus(StatusCode.Unavailable, StatusCodes.Status503ServiceUnavailable,
                $"The key could not be checked now ({exception.GetType().Name}); nothing was stored. Retry later.", TimeSpan.FromSeconds(ProcessorAvailability.RetryAfterSeconds)));
        }

        if (tenant is not { } key)
        {
            throw Refuse(OtlpStatus.Unauthenticated("A valid tenant API key is required: send the metadata 'authorization: Bearer <key>'."));
        }

        if (IngestEndpoint.IdempotencyKeyOf(IdempotencyKeyEntries(context.RequestHeaders)) is not { } idempotencyKey)
        {
            throw Refuse(new OtlpStatus(StatusCode.InvalidArgument, StatusCodes.Status400BadRequest, IngestEndpoint.BadIdempotencyKeyDetail, null));
        }

        using var lease = ingest.Lease();
        try
        {
            OtlpParsedMemory.Charge(OtlpParsedMemory.CountRecords(request.Payload), lease, ingest.Limits);
            var (response, refused) = await OtlpExport.IngestAsync(ingest, key, request.Parse(), null, request.Payload.Length, idempotencyKey, lease, context.CancellationToken);
            return refused is { } status ? throw Refuse(status) : response!;
        }
        catch (IngestProblemException problem)
        {
            throw Refuse(OtlpStatus.Of(problem));
        }
    }

    /// <summary>The metadata's idempotency-key entries (gRPC keeps each one apart; names are lower-case on the wire).</summary>
    private static Microsoft.Extensions.Primitives.StringValues IdempotencyKeyEntries(Grpc.Core.Metadata headers)
    {
        var values = Microsoft.Extensions.Primitives.StringValues.Empty;
        foreach (var entry in headers)
        {
            if (!entry.IsBinary && entry.Key == "idempotency-key")
            {
                values = Microsoft.Extensions.Primitives.StringValues.Concat(values, entry.Value);
            }
        }

        return values;
    }

    private static RpcException Refuse(OtlpStatus status)
    {
        var trailers = new Grpc.Core.Metadata { { StatusDetailsTrailer, status.ToProto().ToByteArray() } };
        return new RpcException(new Grpc.Core.Status(status.Code, status.Message), trailers);
    }
}
