using System.Text.Json;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Silo.Gateway.Body;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Shippers;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>
/// Splunk's HTTP Event Collector on the gateway: the event and raw endpoints, health, and indexer
/// acknowledgment. Events go through <see cref="ShipperIngest"/>, the path of <c>POST /v1/events</c>: the same
/// tenant keys, limits, Idempotency-Key and durable ACK; a 200 means the events are durable in the stream.
/// Any Content-Type is read as HEC's body (clients often send <c>application/x-www-form-urlencoded</c>).
/// </summary>
public static class HecEndpoints
{
    /// <summary>The code a body of no good event is counted under (as <see cref="IngestInstruments.RefusedOther"/>): it never reaches the grain.</summary>
    private const string NoEventTakenCode = "no_event_taken";

    public static IEndpointRouteBuilder MapHec(this IEndpointRouteBuilder endpoints)
    {
        foreach (var path in (string[])["/services/collector", "/services/collector/event", "/services/collector/event/1.0"])
        {
            endpoints.MapPost(path, static (HttpContext context, ShipperIngest ingest, HecAckChannels acks) => IngestAsync(context, ingest, acks, raw: false)).DisableAntiforgery();
        }

        foreach (var path in (string[])["/services/collector/raw", "/services/collector/raw/1.0"])
        {
            endpoints.MapPost(path, static (HttpContext context, ShipperIngest ingest, HecAckChannels acks) => IngestAsync(context, ingest, acks, raw: true)).DisableAntiforgery();
        }

        foreach (var path in (string[])["/services/collector/health", "/services/collector/health/1.0"])
        {
            endpoints.MapGet(path, static (ShipperIngest ingest) => HecAnswer.Health(ingest.ProcessorActive));
        }

        endpoints.MapPost("/services/collector/ack", AckAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> IngestAsync(HttpContext context, ShipperIngest ingest, HecAckChannels acks, bool raw)
    {
        var (key, refused) = await AuthenticateAsync(context, ingest);
        if (key is not { } tenantKey)
        {
            return refused!;
        }

        var tenant = tenantKey.TenantId;

        var channel = HecAckChannels.ChannelOf(context.Request);
        if (channel == Guid.Empty)
        {
            return HecAnswer.Error(HecCode.InvalidDataChannel, "The channel (X-Splunk-Request-Channel or ?channel=) must be a GUID.");
        }

        if (IngestEndpoint.IdempotencyKeyOf(context.Request.Headers["Idempotency-Key"]) is not { } idempotencyKey)
        {
            return HecAnswer.Error(HecCode.InvalidDataFormat, IngestEndpoint.BadIdempotencyKeyDetail);
        }

        long? ackId = null;
        if (channel is { } ackChannel)
        {
            if (!acks.TryIssue(tenant, ackChannel, out var issued, out var busy))
            {
                IngestInstruments.RecordRefusedBeforeIngest(tenant, IngestInstruments.AckChannelBusy);
                return HecAnswer.Busy(context, busy, null);
            }

            ackId = issued;
        }

        // Whether the answer carries the ack id (a 200 of a durable batch): only then is the id kept for the client to ask about.
        var answered = false;
        try
        {
            using var lease = ingest.Lease();
            HecEvents events;
            int bodyLength;
            using (var body = await ingest.ReadBodyAsync(context, lease))
            {
                events = raw
                    ? HecEvents.FromRaw(body.Span, HecMetadata.FromQuery(context.Request.Query), ingest.Limits.MaxEventBytes, ingest.Limits.MaxDecompressedBytes, lease)
                    : HecEvents.FromEvents(body.Span, ingest.Limits.MaxEventBytes, ingest.Limits.MaxDecompressedBytes, lease);
                bodyLength = body.Length;
            }

            using (events)
            {
                if (events.Framed.Count == 0)
                {
                    // Every event was refused: answered as Splunk does (400, nothing indexed) before the grain, so nothing
                    // is stored, not even the dead letters. Stored under a 400, they were written again by every retry of it
                    // while the answer told the client nothing was taken.
                    IngestInstruments.RecordNoEventTaken(tenant, NoEventTakenCode, events.Framed.Rejected);
                    var answer = NoEventTaken(events);
                    events.Framed.Dispose();
                    return answer;
                }

                var result = await ingest.SubmitAsync(tenantKey, events.Framed, bodyLength, idempotencyKey, context.RequestAborted);
                answered = result.Outcome == IngestOutcome.Stored;
                return Answer(context, result, ackId);
            }
        }
        catch (HecBodyException problem)
        {
            return HecAnswer.Error(problem.Code, problem.Message, problem.EventNumber);
        }
        catch (IngestProblemException problem)
        {
            return problem.StatusCode == StatusCodes.Status503ServiceUnavailable
                ? HecAnswer.Busy(context, problem.Message, problem.RetryAfter)
                : HecAnswer.Error(HecCode.InvalidDataFormat, problem.Message, status: problem.StatusCode);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        finally
        {
            if (ackId is { } id)
            {
                acks.Complete(tenant, channel!.Value, id, answered);
            }
        }
    }

    /// <summary>The 400 of a body none of whose events could be taken: the first one's code and reason, and that nothing was stored.</summary>
    private static IResult NoEventTaken(HecEvents events)
    {
        var rejected = events.Framed.Rejected;
        var first = rejected[0];
        var reason = FramedEvents.ReasonWhenNothingKept(first).TrimEnd('.');
        var detail = rejected.Count == 1
            ? $"Event {first.Index} was refused: {reason}. Nothing was stored, not even a dead letter."
            : $"None of the {rejected.Count} events could be taken (the first, event {first.Index}: {reason}). Nothing was stored, not even a dead letter.";
        return HecAnswer.Error(events.RejectedCodes[0], detail, first.Index);
    }

    private static IResult Answer(HttpContext context, IngestResult result, long? ackId)
    {
        switch (result.Outcome)
        {
            case IngestOutcome.Stored:
                return HecAnswer.Success(ackId, result.Rejected);
            case IngestOutcome.TenantDisabled:
                return HecAnswer.Error(HecCode.TokenDisabled, result.Detail!);
            case IngestOutcome.KeyRevoked:
                // As for an unknown key: the shard knew of the revoke before this gateway's cache did.
                return HecAnswer.Error(HecCode.InvalidToken, "The key is not a valid tenant API key.");
            case IngestOutcome.IdempotencyKeyReused:
                return HecAnswer.Error(HecCode.InvalidDataFormat, result.Detail!, status: StatusCodes.Status422UnprocessableEntity);
            default:
                // Over the tenant's rate, or the stream did not confirm: HEC clients retry "server is busy".
                return HecAnswer.Busy(context, result.Detail!, result.RetryAfter);
        }
    }

    private static async Task<IResult> AckAsync(HttpContext context, ShipperIngest ingest, HecAckChannels acks)
    {
        var (key, refused) = await AuthenticateAsync(context, ingest);
        if (key is not { } tenantKey)
        {
            return refused!;
        }

        var tenant = tenantKey.TenantId;

        var channel = HecAckChannels.ChannelOf(context.Request);
        if (channel is null)
        {
            return HecAnswer.Error(HecCode.DataChannelMissing, "An ack query names its channel: X-Splunk-Request-Channel or ?channel=.");
        }

        if (channel == Guid.Empty)
        {
            return HecAnswer.Error(HecCode.InvalidDataChannel, "The channel must be a GUID.");
        }

        // A query names at most MaxAcksPerChannel ids: a body larger than that takes is refused before it is read whole.
        var tooLarge = $"The ack query exceeds {acks.MaxQueryBytes} bytes: send {{\"acks\":[ids]}} with at most {acks.MaxAcksPerChannel} ids.";
        if (context.Request.ContentLength > acks.MaxQueryBytes)
        {
            return HecAnswer.Error(HecCode.InvalidDataFormat, tooLarge, status: StatusCodes.Status413PayloadTooLarge);
        }

        AckQuery? query;
        try
        {
            await using var body = new WireLimitStream(context.Request.Body, acks.MaxQueryBytes);
            query = await JsonSerializer.DeserializeAsync<AckQuery>(body, AckQuery.Options, context.RequestAborted);
        }
        catch (JsonException exception)
        {
            return HecAnswer.Error(HecCode.InvalidDataFormat, $"The body is not {{\"acks\":[ids]}}: {exception.Message}");
        }
        catch (IngestProblemException)
        {
            return HecAnswer.Error(HecCode.InvalidDataFormat, tooLarge, status: StatusCodes.Status413PayloadTooLarge);
        }

        if (query?.Acks is not { } ids || ids.Length > acks.MaxAcksPerChannel)
        {
            return HecAnswer.Error(HecCode.InvalidDataFormat, $"The body must be {{\"acks\":[ids]}} with at most {acks.MaxAcksPerChannel} ids.");
        }

        return Results.Json(new { acks = acks.Query(tenant, channel.Value, ids) });
    }

    /// <summary>The tenant of the request's key, or the HEC answer refusing it.</summary>
    private static async Task<(TenantKey? Key, IResult? Refused)> AuthenticateAsync(HttpContext context, ShipperIngest ingest)
    {
        if (!ingest.ProcessorActive)
        {
            return (null, HecAnswer.Busy(context, ProcessorAvailability.NoProcessorDetail, TimeSpan.FromSeconds(ProcessorAvailability.RetryAfterSeconds)));
        }

        var (secret, problem) = HecToken.Read(context.Request);
        if (secret is null)
        {
            return (null, HecAnswer.Error(problem, "Send the tenant's API key: 'Authorization: Splunk <key>' (or Bearer, or Basic with the key as the password), or ?token=<key>."));
        }

        TenantKey? tenant;
        try
        {
            tenant = await ingest.TenantOfAsync(secret);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            return (null, HecAnswer.Busy(context, $"The key could not be checked now ({exception.GetType().Name}); nothing was stored. Retry later.", TimeSpan.FromSeconds(ProcessorAvailability.RetryAfterSeconds)));
        }

        // Same answer for an unknown or revoked key: nothing tells a caller which tenants exist.
        return tenant is null ? (null, HecAnswer.Error(HecCode.InvalidToken, "The key is not a valid tenant API key.")) : (tenant, null);
    }

    private sealed record AckQuery(long[]? Acks)
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }
}
