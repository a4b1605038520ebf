using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Silo.Gateway.Body;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// <c>POST /v1/events</c>: authenticate, read and frame the body within limits, hand the batch to
/// the tenant's ingest grain in one call, and answer 200 only when that call reports the batch
/// durable in the stream.
/// </summary>
public static partial class IngestEndpoint
{
    private const int MaxIdempotencyKeyLength = 128;

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/events", HandleAsync).DisableAntiforgery().AddEndpointFilter(ProcessorAvailability.RequireProcessorReporting(CountNoProcessor));
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext context,
        ApiKeyResolver keys,
        TenantShards shards,
        IdempotencyGrains idempotency,
        IOptions<GatewayOptions> options,
        InFlightMemoryBudget memory,
        ILoggerFactory loggers)
    {
        var limits = options.Value;
        if (await keys.ResolveAsync(context.Request.Headers.Authorization.ToString()) is not { } key)
        {
            return Unauthorized(context);
        }

        var tenantId = key.TenantId;

        var framing = EventFramer.FramingFor(context.Request.ContentType);
        if (framing is null)
        {
            return Refused(
                tenantId,
                StatusCodes.Status415UnsupportedMediaType,
                "unsupported_media_type",
                $"Content-Type {QuotedValue.Of(context.Request.ContentType)} is not supported; use application/x-ndjson, application/json (an array) or text/plain, in UTF-8.");
        }

        if (IdempotencyKeyOf(context.Request.Headers["Idempotency-Key"]) is not { } idempotencyKey)
        {
            return Refused(tenantId, StatusCodes.Status400BadRequest, "bad_idempotency_key", BadIdempotencyKeyDetail);
        }

        // Held until the answer: the body and frame buffers of this request count against the process-wide budget.
        using var lease = new RequestMemoryLease(memory);
        if (!lease.TryReserve(RequestBodyReader.AdmissionBytes(context.Request, limits)))
        {
            // Answered before a byte of the body is read.
            return Refused(context, tenantId, lease.Exhausted());
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // Our own limit answers with a JSON 413; Kestrel's would cut the connection first.
            bodySize.MaxRequestBodySize = null;
        }

        try
        {
            FramedEvents events;
            int bodyLength;
            using (var body = await RequestBodyReader.ReadAsync(context.Request, limits, lease, context.RequestAborted))
            {
                events = EventFramer.Frame(framing.Value, body.Span, limits.MaxEventBytes, lease, limits.MaxDecompressedBytes);
                bodyLength = body.Length;
            }

            if (events.Total == 0)
            {
                events.Dispose();
                return Refused(tenantId, StatusCodes.Status400BadRequest, "empty_batch", "The body holds no events.");
            }

            var batch = new IngestBatch(events.Kind, events.Count, events.Frames, events.Rejected, bodyLength);
            var shard = await shards.PickAsync(tenantId);
            var result = await IngestAsync(idempotency, keys, key, shard, idempotencyKey, batch, limits.DurableWriteTimeout, context.RequestAborted);
            // The grain answered, so nothing reads the frames any more: back to the pool. On a
            // timeout or a failed call the grain (or a message still being serialized) may hold
            // them, so they are left to the garbage collector instead of being reused under it
            // (and leave the in-flight budget with the answer, though the collector frees them later).
            events.Dispose();
            return ToResult(context, result);
        }
        catch (IngestProblemException problem)
        {
            return Refused(context, tenantId, problem);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-body: nothing was handed to the grain, nobody to answer.
            return Results.Empty;
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException or OperationCanceledException)
        {
            // Not the client's cancellation (caught above): a call that could not finish, so nothing is known durable.
            LogNotDurable(loggers.CreateLogger(typeof(IngestEndpoint)), exception, tenantId);
            context.Response.Headers.RetryAfter = "5";
            return Problem(StatusCodes.Status503ServiceUnavailable, "stream_unavailable", "The batch could not be confirmed durable; nothing was acknowledged. Retry later.");
        }
    }

    /// <summary>
    /// Counts a request refused because no processor is active. The key's grain lives on the processors, so the
    /// tenant is known only for a key this gateway resolved lately (the key cache); any other request stays
    /// uncounted per tenant (it is in ASP.NET Core's request metrics by status code).
    /// </summary>
    private static void CountNoProcessor(HttpContext context)
    {
        if (context.RequestServices.GetRequiredService<ApiKeyResolver>().CachedTenant(context.Request.Headers.Authorization.ToString()) is { } tenantId)
        {
            IngestInstruments.RecordRefusedBeforeIngest(tenantId, ProcessorAvailability.NoProcessorCode);
        }
    }

    internal static readonly string BadIdempotencyKeyDetail = $"Idempotency-Key must be sent once, as 1 to {MaxIdempotencyKeyLength} printable ASCII characters without spaces.";

    /// <summary>
    /// The request's Idempotency-Key from the values of its header (or gRPC metadata): "" when there is none, null when
    /// they cannot be one key. Sent twice the values would be joined ("a1,a2"), a key neither sender meant; sent empty it
    /// is more likely a templating slip than a wish for no key, and without a key a retry is stored again.
    /// </summary>
    internal static string? IdempotencyKeyOf(StringValues values) => values.Count switch
    {
        0 => "",
        1 when values[0] is { Length: > 0 and <= MaxIdempotencyKeyLength } key && !key.Any(static c => c is < '!' or > '~') => key,
        _ => null,
    };

    /// <summary>
    /// A request without a key goes to the tenant's next shard in turn, so a tenant's requests spread over its
    /// shards' silos; a keyed one to the key's grain, which picks the shard by the key.
    /// Every protocol's request meets its tenant's grain here, so the ingest metrics are recorded here, once per request.
    /// </summary>
    /// <param name="abandoned">The client's end of the request (gone, or its deadline passed): checked once more before the
    /// grain is called, since what the grain stores cannot be taken back and a client that gave up sends it again. A
    /// gRPC export with a deadline of 82 ms was answered DEADLINE_EXCEEDED and stored, then stored again by the retry
    /// (helper-109). After this check the window is the grain's own write, as for any client whose answer is lost.</param>
    internal static async Task<IngestResult> IngestAsync(IdempotencyGrains idempotency, ApiKeyResolver keys, TenantKey key, (int Count, ITenantIngestGrain Next) shard, string idempotencyKey, IngestBatch batch, TimeSpan timeout, CancellationToken abandoned)
    {
        abandoned.ThrowIfCancellationRequested();
        var tenantId = key.TenantId;
        batch = batch with { KeyHash = key.KeyHash };
        var started = Stopwatch.GetTimestamp();
        var call = idempotencyKey.Length == 0
            ? shard.Next.IngestAsync(batch)
            : idempotency.For(tenantId, idempotencyKey).IngestOnceAsync(batch, shard.Count);
        try
        {
            // Once called, the answer is awaited whatever the client does: the write goes on, and its outcome is recorded.
            var result = await call.WaitAsync(timeout, CancellationToken.None);
            if (result.Outcome == IngestOutcome.KeyRevoked)
            {
                // The shard knows the key is revoked; this gateway's cache learns it now, not when the entry expires.
                keys.Forget(key.KeyHash);
            }

            IngestInstruments.Record(tenantId, batch, result, started);
            return result;
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException or OperationCanceledException)
        {
            IngestInstruments.RecordNotDurable(tenantId, batch, started);
            throw;
        }
    }

    private static IResult ToResult(HttpContext context, IngestResult result)
    {
        switch (result.Outcome)
        {
            case IngestOutcome.Stored:
                return Results.Ok(IngestResponse.From(result));
            case IngestOutcome.RateLimited:
                RetryAfterHeader.Set(context.Response, result.RetryAfter);
                return Problem(StatusCodes.Status429TooManyRequests, "rate_limited", result.Detail!);
            case IngestOutcome.TenantDisabled:
                return Problem(StatusCodes.Status403Forbidden, "tenant_disabled", result.Detail!);
            case IngestOutcome.KeyRevoked:
                return Unauthorized(context);
            case IngestOutcome.IdempotencyKeyReused:
                return Problem(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", result.Detail!);
            default:
                RetryAfterHeader.Set(context.Response, result.RetryAfter);
                return Problem(StatusCodes.Status503ServiceUnavailable, "stream_unavailable", result.Detail!);
        }
    }

    // Same answer for a missing, unknown or revoked key: nothing tells a caller which tenants exist.
    private static IResult Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem(StatusCodes.Status401Unauthorized, "unauthorized", "A valid tenant API key is required: send 'Authorization: Bearer <key>'.");
    }

    /// <summary>A refusal before the grain call, counted for the tenant the key named (the ingest metrics count only what reaches the grain otherwise).</summary>
    private static IResult Refused(string tenantId, int status, string code, string detail)
    {
        IngestInstruments.RecordRefusedBeforeIngest(tenantId, code);
        return Problem(status, code, detail);
    }

    private static IResult Refused(HttpContext context, string tenantId, IngestProblemException problem)
    {
        IngestInstruments.RecordRefusedBeforeIngest(tenantId, problem.Code);
        return Problem(context, problem);
    }

    private static IResult Problem(HttpContext context, IngestProblemException problem)
    {
        if (problem.RetryAfter is { } retryAfter)
        {
            RetryAfterHeader.Set(context.Response, retryAfter);
        }

        return Problem(problem.StatusCode, problem.Code, problem.Message);
    }

    private static IResult Problem(int status, string code, string detail) => ApiProblem.Result(status, code, detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch for tenant {TenantId} not confirmed durable; answered 503")]
    private static partial void LogNotDurable(ILogger logger, Exception exception, string tenantId);
}
