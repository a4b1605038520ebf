using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Silo.Gateway.Body;
using Orleans.EventPipeline.Silo.Gateway.Framing;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Gateway.Shippers;

/// <summary>
/// What every shipper protocol front (Splunk HEC, OTLP over HTTP and gRPC) shares with <c>POST /v1/events</c>:
/// the tenant keys, the body limits and in-flight memory budget, the tenant's ingest grains with their rate
/// limits and Idempotency-Key, and the durable ACK. A front only turns its protocol into framed events
/// (<see cref="FramedEvents"/> of <see cref="Processing.Normalization.ShipperEnvelope"/>s) and the
/// <see cref="IngestResult"/> into its protocol's answer.
/// </summary>
internal sealed partial class ShipperIngest(
    ApiKeyResolver keys,
    TenantShards shards,
    IdempotencyGrains idempotency,
    IOptions<GatewayOptions> options,
    InFlightMemoryBudget memory,
    ClusterRoles roles,
    ILogger<ShipperIngest> logger)
{
    /// <summary>Seconds a client is asked to wait when the durable write was not confirmed; as <c>/v1/events</c>.</summary>
    public static readonly TimeSpan NotDurableRetryAfter = TimeSpan.FromSeconds(5);

    public GatewayOptions Limits => options.Value;

    /// <summary>False while no silo hosting the pipeline's grains is active: nothing could be stored.</summary>
    public bool ProcessorActive => roles.AnyActiveGrainHost();

    /// <summary>The tenant and hash of an API key, or null for a missing, unknown or revoked one.</summary>
    public ValueTask<TenantKey?> TenantOfAsync(string? secret) => keys.ResolveSecretAsync(secret);

    /// <summary>A new share of the in-flight memory budget for one request.</summary>
    public RequestMemoryLease Lease() => new(memory);

    /// <summary>
    /// Reads the request body within the gateway's limits, decompressing gzip or zstd; throws
    /// <see cref="IngestProblemException"/> for a body over a limit, badly encoded, or with no room in the budget.
    /// </summary>
    public async Task<PooledBuffer> ReadBodyAsync(HttpContext context, RequestMemoryLease lease)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(lease);
        if (!lease.TryReserve(RequestBodyReader.AdmissionBytes(context.Request, Limits)))
        {
            throw lease.Exhausted();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // Our own limit answers in the protocol's shape; Kestrel's would cut the connection first.
            bodySize.MaxRequestBodySize = null;
        }

        return await RequestBodyReader.ReadAsync(context.Request, Limits, lease, context.RequestAborted);
    }

    /// <summary>
    /// Hands the events to the tenant's ingest grain and returns its answer: <see cref="IngestOutcome.Stored"/>
    /// only once the batch is durable in the stream. A write that was not confirmed in time is
    /// <see cref="IngestOutcome.StreamUnavailable"/>, to retry. Frees the frames once the grain answered.
    /// </summary>
    /// <param name="abandoned">The client's end of the request: a client gone before the grain is called stores nothing (<see cref="IngestEndpoint.IngestAsync"/>).</param>
    public async Task<IngestResult> SubmitAsync(TenantKey key, FramedEvents events, long requestBytes, string idempotencyKey, CancellationToken abandoned)
    {
        var tenantId = key.TenantId;
        ArgumentNullException.ThrowIfNull(events);
        var batch = new IngestBatch(events.Kind, events.Count, events.Frames, events.Rejected, requestBytes);
        try
        {
            var shard = await shards.PickAsync(tenantId);
            var result = await IngestEndpoint.IngestAsync(idempotency, keys, key, shard, idempotencyKey, batch, Limits.DurableWriteTimeout, abandoned);
            // As in /v1/events: only an answered call gives the frames back to the pool.
            events.Dispose();
            return result;
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            LogNotDurable(logger, exception, tenantId);
            return IngestResult.Refused(IngestOutcome.StreamUnavailable, "The batch could not be confirmed durable; nothing was acknowledged. Retry later.", NotDurableRetryAfter);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipper batch for tenant {TenantId} not confirmed durable; answered as unavailable")]
    private static partial void LogNotDurable(ILogger logger, Exception exception, string tenantId);
}
