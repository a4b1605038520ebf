using System.Text;
using Google.Protobuf;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;
using Orleans.EventPipeline.Silo.Gateway.Shippers;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// OTLP/HTTP logs, <c>POST /v1/logs</c>: an <see cref="ExportLogsServiceRequest"/> as <c>application/x-protobuf</c>
/// or <c>application/json</c> (gzip or zstd, chunked or not), with the tenant's key as
/// <c>Authorization: Bearer</c>. Answered in the request's encoding: an <see cref="ExportLogsServiceResponse"/>
/// (200, with <c>partial_success</c> naming rejected records) only once the records are durable, else a
/// <c>google.rpc.Status</c> with the OTLP status code.
/// </summary>
public static class OtlpHttpEndpoint
{
    private const string ProtobufType = "application/x-protobuf";
    private const string JsonType = "application/json";

    public static IEndpointRouteBuilder MapOtlpHttp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/logs", HandleAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, ShipperIngest ingest, ApiKeyResolver keys)
    {
        var json = IsJson(context.Request.ContentType);
        if (json is null)
        {
            return Answer(context, false, new OtlpStatus(Grpc.Core.StatusCode.InvalidArgument, StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type {QuotedValue.Of(context.Request.ContentType)} is not OTLP: use {ProtobufType} or {JsonType}.", null));
        }

        if (!ingest.ProcessorActive)
        {
            return Answer(context, json.Value, new OtlpStatus(Grpc.Core.StatusCode.Unavailable, StatusCodes.Status503ServiceUnavailable,
                ProcessorAvailability.NoProcessorDetail, TimeSpan.FromSeconds(ProcessorAvailability.RetryAfterSeconds)));
        }

        try
        {
            if (await keys.ResolveAsync(context.Request.Headers.Authorization.ToString()) is not { } tenant)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Answer(context, json.Value, OtlpStatus.Unauthenticated("A valid tenant API key is required: send 'Authorization: Bearer <key>' (OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<key>)."));
            }

            if (IngestEndpoint.IdempotencyKeyOf(context.Request.Headers["Idempotency-Key"]) is not { } idempotencyKey)
            {
                return Answer(context, json.Value, new OtlpStatus(Grpc.Core.StatusCode.InvalidArgument, StatusCodes.Status400BadRequest, IngestEndpoint.BadIdempotencyKeyDetail, null));
            }

            using var lease = ingest.Lease();
            ExportLogsServiceRequest request;
            OtlpJsonRequest? jsonRequest = null;
            int bodyLength;
            using (var body = await ingest.ReadBodyAsync(context, lease))
            {
                bodyLength = body.Length;
                try
                {
                    if (json.Value)
                    {
                        jsonRequest = OtlpJson.Parse(body.Memory, records => OtlpParsedMemory.Charge(records, lease, ingest.Limits));
                        request = jsonRequest.Request;
                    }
                    else
                    {
                        OtlpParsedMemory.Charge(OtlpParsedMemory.CountRecords(body.Span), lease, ingest.Limits);
                        request = ExportLogsServiceRequest.Parser.ParseFrom(body.Span);
                    }
                }
                catch (Exception exception) when (exception is InvalidProtocolBufferException or FormatException)
                {
                    return Answer(context, json.Value, new OtlpStatus(Grpc.Core.StatusCode.InvalidArgument, StatusCodes.Status400BadRequest,
                        $"The body is not an OTLP ExportLogsServiceRequest in {(json.Value ? "JSON" : "protobuf")}: {exception.Message}", null));
                }
            }

            var (response, refused) = await OtlpExport.IngestAsync(ingest, tenant, request, jsonRequest, bodyLength, idempotencyKey, lease, context.RequestAborted);
            return refused is { } status ? Answer(context, json.Value, status) : Message(json.Value, response!, StatusCodes.Status200OK);
        }
        catch (IngestProblemException problem)
        {
            return Answer(context, json.Value, OtlpStatus.Of(problem));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            return Answer(context, json.Value, new OtlpStatus(Grpc.Core.StatusCode.Unavailable, StatusCodes.Status503ServiceUnavailable,
                $"The key could not be checked now ({exception.GetType().Name}); nothing was stored. Retry later.", TimeSpan.FromSeconds(ProcessorAvailability.RetryAfterSeconds)));
        }
    }

    /// <summary>True for JSON, false for protobuf, null for another media type.</summary>
    private static bool? IsJson(string? contentType)
    {
        var media = (contentType ?? "").Split(';', 2)[0].Trim();
        return media.Equals(JsonType, StringComparison.OrdinalIgnoreCase) ? true
            : media.Equals(ProtobufType, StringComparison.OrdinalIgnoreCase) ? false
            : null;
    }

    private static IResult Answer(HttpContext context, bool json, OtlpStatus status)
    {
        if (status.RetryAfter is { } delay)
        {
            RetryAfterHeader.Set(context.Response, delay);
        }

        return Message(json, status.ToProto(), status.HttpStatus);
    }

    private static IResult Message(bool json, IMessage message, int status) => json
        ? Results.Text(OtlpJson.Format(message), JsonType, Encoding.UTF8, status)
        : new StatusBytes(message.ToByteArray(), status);

    /// <summary>Protobuf bytes with a status (<see cref="Results.Bytes"/> always answers 200).</summary>
    private sealed class StatusBytes(byte[] body, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = ProtobufType;
            await httpContext.Response.Body.WriteAsync(body);
        }
    }
}
