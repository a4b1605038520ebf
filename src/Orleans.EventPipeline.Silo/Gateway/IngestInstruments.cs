using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Processing;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// The gateway's metrics, on the meter <see cref="MeterName"/>: what each tenant sent, what was acknowledged
/// durable, what was refused and why, and how long the durable acknowledgement took. Recorded once per
/// request for every protocol (<c>/v1/events</c>, HEC, OTLP), where the request meets the tenant's ingest
/// grain, and once for a <c>/v1/events</c> request refused before it, after its key named the tenant (see
/// <see cref="RecordRefusedBeforeIngest"/>). Tagged with the tenant (bounded by <see cref="TenantTag.Cap"/>)
/// and a reason or outcome from a fixed set of values (<see cref="Outcomes"/>, <see cref="Reasons"/>).
/// </summary>
public static class IngestInstruments
{
    public const string MeterName = "Orleans.EventPipeline.Gateway";

    /// <summary>Reason of an event refused alone for its size (<c>Pipeline:Gateway:MaxEventBytes</c>).</summary>
    public const string TooLarge = "too_large";

    /// <summary>Reason of an event refused alone for its content (not JSON, not UTF-8, not an object, a field of the protocol).</summary>
    public const string Invalid = "invalid";

    public const string RequestsName = "eventpipeline.ingest.requests";
    public const string RejectedName = "eventpipeline.ingest.rejected";
    public const string AckDurationName = "eventpipeline.ingest.ack.duration";

    /// <summary>
    /// The outcome of an HEC request refused for its ack channel: the channel holds its most unread acks, or it is new
    /// and its tenant or the gateway holds its most channels (<see cref="Hec.HecAckChannels"/>).
    /// </summary>
    public const string AckChannelBusy = "ack_channel_busy";

    /// <summary>The outcome of a request refused before the grain with a code outside <see cref="RefusedBeforeIngestCodes"/>.</summary>
    public const string RefusedOther = "refused";

    /// <summary>Outcomes of a request the tenant's ingest grain answered (or did not confirm in time).</summary>
    public static readonly IReadOnlyList<string> GrainOutcomes = ["stored", "replayed", "rate_limited", "tenant_disabled", "idempotency_key_reused", "stream_unavailable"];

    /// <summary>
    /// Outcomes of a request refused before the grain was called, once the tenant is known: the code of the
    /// problem it was answered with (415, 400, 413, the in-flight memory budget's 503, the 503 while no processor is active,
    /// HEC's "server is busy" for an ack channel).
    /// </summary>
    public static readonly IReadOnlySet<string> RefusedBeforeIngestCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "unsupported_media_type", "bad_idempotency_key", "payload_too_large", "bad_framing", "empty_batch", "memory_budget_exceeded", "no_processor", AckChannelBusy,
    };

    /// <summary>Every value of <c>outcome</c> on <see cref="RequestsName"/>: what bounds its series per tenant.</summary>
    public static readonly IReadOnlyList<string> Outcomes = [.. GrainOutcomes, .. RefusedBeforeIngestCodes, RefusedOther];

    /// <summary>Every value of <c>reason</c> on <see cref="RejectedName"/>: events refused alone, or every event of a request the grain refused.</summary>
    public static readonly IReadOnlyList<string> Reasons = [Invalid, TooLarge, .. GrainOutcomes.Where(static outcome => outcome is not ("stored" or "replayed"))];

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        RequestsName, "{request}", "Ingest requests by outcome: the grain's answer (stored, replayed, rate_limited, tenant_disabled, idempotency_key_reused, stream_unavailable), or the code of a /v1/events request refused before the grain once its key named the tenant.");

    private static readonly Counter<long> Events = Meter.CreateCounter<long>(
        "eventpipeline.ingest.events", "{event}", "Events acknowledged durable in Event Hubs (a 200); a replayed answer is not counted again.");

    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "eventpipeline.ingest.bytes", "By", "Decompressed request bytes of the acknowledged requests.");

    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>(
        RejectedName, "{event}", "Events not acknowledged, by reason: invalid or too_large (refused alone, kept in the dead letters) or the whole request's outcome (rate_limited, tenant_disabled, idempotency_key_reused, stream_unavailable).");

    private static readonly Counter<long> Throttled = Meter.CreateCounter<long>(
        "eventpipeline.ingest.throttled", "{request}", "Requests refused for the tenant's rate (429 or the protocol's equivalent).");

    private static readonly Histogram<double> AckDuration = Meter.CreateHistogram<double>(
        AckDurationName, "s", "From handing a framed batch to the tenant's ingest grain to its answer: for a stored batch, the durable write to Event Hubs.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    /// <summary>Records one request's answer; <paramref name="started"/> is a <see cref="Stopwatch"/> timestamp.</summary>
    internal static void Record(string tenantId, IngestBatch batch, IngestResult result, long started)
    {
        var tenant = TenantTag.For(tenantId);
        var outcome = result.Replayed ? "replayed" : OutcomeName(result.Outcome);
        Finish(tenant, outcome, started);
        if (result.Replayed)
        {
            return;
        }

        if (result.Outcome != IngestOutcome.Stored)
        {
            RecordRefused(tenant, outcome, batch.TotalEvents);
            return;
        }

        Events.Add(result.Accepted, tenant);
        Bytes.Add(batch.RequestBytes, tenant);
        RecordRejected(tenant, batch.Rejected);
    }

    /// <summary>
    /// Records a request refused whole because none of its events could be taken (HEC's 400): the request by
    /// <paramref name="code"/> as any refusal before the grain, and its events by why each was refused, as a 200's.
    /// </summary>
    internal static void RecordNoEventTaken(string tenantId, string code, IReadOnlyList<DeadLetter> rejected)
    {
        RecordRefusedBeforeIngest(tenantId, code);
        RecordRejected(TenantTag.For(tenantId), rejected);
    }

    /// <summary>Events refused alone, by reason: too large (their letter keeps the first bytes) or invalid.</summary>
    private static void RecordRejected(KeyValuePair<string, object?> tenant, IReadOnlyList<DeadLetter> rejected)
    {
        var tooLarge = 0;
        foreach (var letter in rejected)
        {
            tooLarge += letter.OriginalSize is null ? 0 : 1;
        }

        if (tooLarge > 0)
        {
            Rejected.Add(tooLarge, tenant, new KeyValuePair<string, object?>("reason", TooLarge));
        }

        if (rejected.Count - tooLarge > 0)
        {
            Rejected.Add(rejected.Count - tooLarge, tenant, new KeyValuePair<string, object?>("reason", Invalid));
        }
    }

    /// <summary>Records a request whose durable write could not be confirmed (a timeout or a failed grain call).</summary>
    internal static void RecordNotDurable(string tenantId, IngestBatch batch, long started)
    {
        var tenant = TenantTag.For(tenantId);
        const string Outcome = "stream_unavailable";
        Finish(tenant, Outcome, started);
        RecordRefused(tenant, Outcome, batch.TotalEvents);
    }

    /// <summary>
    /// Records a request refused before the tenant's ingest grain was called, once its key named the tenant:
    /// its events were never counted (the body was not read, or not framed), so it counts as a request, by the
    /// code of its problem; a code outside the fixed set counts as <see cref="RefusedOther"/>, so the tag stays bounded.
    /// </summary>
    internal static void RecordRefusedBeforeIngest(string tenantId, string code) =>
        Requests.Add(1, TenantTag.For(tenantId), new KeyValuePair<string, object?>("outcome", RefusedBeforeIngestCodes.Contains(code) ? code : RefusedOther));

    private static void Finish(KeyValuePair<string, object?> tenant, string outcome, long started)
    {
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        Requests.Add(1, tenant, outcomeTag);
        AckDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tenant, outcomeTag);
    }

    private static void RecordRefused(KeyValuePair<string, object?> tenant, string outcome, int events)
    {
        Rejected.Add(events, tenant, new KeyValuePair<string, object?>("reason", outcome));
        if (outcome == "rate_limited")
        {
            Throttled.Add(1, tenant);
        }
    }

    private static string OutcomeName(IngestOutcome outcome) => outcome switch
    {
        IngestOutcome.Stored => "stored",
        IngestOutcome.RateLimited => "rate_limited",
        IngestOutcome.TenantDisabled => "tenant_disabled",
        IngestOutcome.IdempotencyKeyReused => "idempotency_key_reused",
        IngestOutcome.KeyRevoked => "key_revoked",
        _ => "stream_unavailable",
    };
}
