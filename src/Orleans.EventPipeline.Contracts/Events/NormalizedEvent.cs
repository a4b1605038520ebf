namespace Orleans.EventPipeline.Events;

/// <summary>
/// One event in the pipeline's schema, after the OpenTelemetry log data model (docs/EVENT-SCHEMA.md):
/// what the normalized, ordered and archived streams carry and what users' grains receive.
/// </summary>
/// <param name="TenantId">The tenant that sent the event.</param>
/// <param name="EventId">The raw event's id, <c>{BatchId:N}:{index}</c>: stable across retries and replays.</param>
/// <param name="IngestTime">When the gateway accepted the batch (UTC).</param>
/// <param name="Timestamp">When the event happened according to its source; null when the source carries no time.</param>
/// <param name="ObservedTime">When the event was first observed: the ingest time, or the observed time an OTLP record carries.</param>
/// <param name="SeverityNumber">OpenTelemetry severity number, 1 (TRACE) to 24 (FATAL4); 0 when unspecified.</param>
/// <param name="SeverityText">The severity as the source wrote it, e.g. "warning"; null when absent.</param>
/// <param name="Body">The message text.</param>
/// <param name="Attributes">Event fields: parsed fields, then enrichment (<c>lookup.*</c>, <c>*.geo.*</c>).</param>
/// <param name="Resource">Where the event came from, OpenTelemetry resource names (<c>host.name</c>, <c>service.name</c>).</param>
/// <param name="Format">Which parser produced the event.</param>
/// <param name="Late">
/// Set by the order stage: the event arrived after events with a later time were already released, or its own timestamp is too far
/// ahead of the silo's clock (more than the lateness window and 1 s) to be put in order; released at once either way.
/// </param>
[GenerateSerializer, Immutable]
public sealed record NormalizedEvent(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string EventId,
    [property: Id(2)] DateTimeOffset IngestTime,
    [property: Id(3)] DateTimeOffset? Timestamp,
    [property: Id(4)] DateTimeOffset ObservedTime,
    [property: Id(5)] int SeverityNumber,
    [property: Id(6)] string? SeverityText,
    [property: Id(7)] string Body,
    [property: Id(8)] IReadOnlyDictionary<string, AttributeValue> Attributes,
    [property: Id(9)] IReadOnlyDictionary<string, string> Resource,
    [property: Id(10)] SourceFormat Format,
    [property: Id(11)] bool Late = false)
{
    /// <summary>The time the pipeline orders and partitions by: the event's own time, else when it was observed.</summary>
    public DateTimeOffset EffectiveTime => Timestamp ?? ObservedTime;
}
