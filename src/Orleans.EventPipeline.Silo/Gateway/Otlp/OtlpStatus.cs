using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Orleans.EventPipeline.Ingest;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// How an ingest outcome reads in OTLP, for both transports: the gRPC status code and the HTTP status the OTLP
/// specification pairs with it, and whether the client should retry (with <c>RetryInfo</c> / <c>Retry-After</c>).
/// Over the tenant's rate is RESOURCE_EXHAUSTED / 429 and a write not confirmed is UNAVAILABLE / 503, both with
/// a delay: OTLP clients retry those. Every other refusal is final for that request.
/// </summary>
public readonly record struct OtlpStatus(StatusCode Code, int HttpStatus, string Message, TimeSpan? RetryAfter)
{
    public static OtlpStatus Unauthenticated(string message) => new(StatusCode.Unauthenticated, StatusCodes.Status401Unauthorized, message, null);

    public static OtlpStatus Of(IngestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Outcome switch
        {
            IngestOutcome.RateLimited => new(StatusCode.ResourceExhausted, StatusCodes.Status429TooManyRequests, result.Detail!, result.RetryAfter ?? TimeSpan.FromSeconds(1)),
            IngestOutcome.KeyRevoked => Unauthenticated(result.Detail!),
            IngestOutcome.TenantDisabled => new(StatusCode.PermissionDenied, StatusCodes.Status403Forbidden, result.Detail!, null),
            IngestOutcome.IdempotencyKeyReused => new(StatusCode.InvalidArgument, StatusCodes.Status422UnprocessableEntity, result.Detail!, null),
            _ => new(StatusCode.Unavailable, StatusCodes.Status503ServiceUnavailable, result.Detail!, result.RetryAfter ?? Shippers.ShipperIngest.NotDurableRetryAfter),
        };
    }

    /// <summary>
    /// A whole-request problem of the gateway (body limits, encoding, memory budget). Over a size limit (413) is
    /// RESOURCE_EXHAUSTED without <c>RetryInfo</c>, as gRPC's own message limits and <see cref="OtlpGrpcLimits"/> answer
    /// it: OTLP clients do not retry it.
    /// </summary>
    public static OtlpStatus Of(IngestProblemException problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.StatusCode switch
        {
            StatusCodes.Status503ServiceUnavailable => new(StatusCode.Unavailable, problem.StatusCode, problem.Message, problem.RetryAfter ?? TimeSpan.FromSeconds(1)),
            StatusCodes.Status413PayloadTooLarge => new(StatusCode.ResourceExhausted, problem.StatusCode, problem.Message, null),
            _ => new(StatusCode.InvalidArgument, problem.StatusCode, problem.Message, null),
        };
    }

    /// <summary><c>google.rpc.Status</c>, with <c>RetryInfo</c> when the client should retry.</summary>
    public Proto.Status ToProto()
    {
        var status = new Proto.Status { Code = (int)Code, Message = Message };
        if (RetryAfter is { } delay)
        {
            status.Details.Add(Any.Pack(new Proto.RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }

        return status;
    }
}
