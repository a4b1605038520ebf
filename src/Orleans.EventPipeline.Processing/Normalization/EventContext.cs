namespace Orleans.EventPipeline.Processing.Normalization;

/// <summary>What the pipeline knows about a raw event besides its bytes.</summary>
/// <param name="EventId">The raw event's id, from <c>RawEventBatch.EventId(i)</c>.</param>
/// <param name="IngestTime">The batch's ingest time: the observed time, and the year for RFC 3164 timestamps.</param>
public readonly record struct EventContext(string TenantId, string EventId, DateTimeOffset IngestTime);
