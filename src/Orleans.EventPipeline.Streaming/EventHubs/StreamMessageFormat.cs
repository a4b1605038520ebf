namespace Orleans.EventPipeline.Streaming.EventHubs;

/// <summary>
/// Names of the application properties on the pipeline's Event Hubs messages (docs/STREAM-FORMAT.md).
/// Consumers outside Orleans read a message by these properties and its body alone.
/// </summary>
public static class StreamMessageFormat
{
    /// <summary>Property naming the body's format; one of the <c>*Format</c> values below.</summary>
    public const string FormatProperty = "ep-format";

    /// <summary>Body: length-prefixed raw events (4-byte little-endian length, then the bytes).</summary>
    public const string RawFormat = "eventpipeline.raw.v1";

    /// <summary>Body: UTF-8 JSON lines, one dead letter each: index, reason, raw (base64).</summary>
    public const string DeadLetterFormat = "eventpipeline.deadletter.v1";

    public const string TenantProperty = "ep-tenant";
    public const string BatchProperty = "ep-batch";
    public const string IngestTimeProperty = "ep-ingest-time-ms";
    public const string KindProperty = "ep-kind";
    public const string FirstIndexProperty = "ep-first-index";
    public const string CountProperty = "ep-count";
    public const string StageProperty = "ep-stage";

    /// <summary>On a processing stage's dead letters: the raw batch's stream key, sequence number and this message's ordinal for it.</summary>
    public const string SourceStreamKeyProperty = "ep-source-key";
    public const string SourceSequenceProperty = "ep-source-seq";
    public const string SourcePartProperty = "ep-source-part";

    /// <summary>Present (true) on a raw batch whose id comes from an Idempotency-Key.</summary>
    public const string KeyedProperty = "ep-keyed";

    /// <summary>On a keyed retry whose earlier attempt may be stored: that attempt's start, Unix ms.</summary>
    public const string UncertainSinceProperty = "ep-uncertain-since-ms";

    /// <summary>On a raw batch written inside a traced request: the W3C traceparent of the span that wrote it.</summary>
    public const string TraceParentProperty = "ep-traceparent";

    /// <summary>
    /// On a raw batch and its dead letters: the tenant's data generation the batch was admitted under (32 hex digits). The
    /// pipeline's processors drop batches of a generation a delete with <c>data=remove</c> took; absent from an earlier build.
    /// </summary>
    public const string DataGenerationProperty = "ep-data-generation";

    /// <summary>Reads <see cref="DataGenerationProperty"/>: null when absent, or not a generation this pipeline wrote.</summary>
    public static Guid? ReadDataGeneration(IDictionary<string, object> properties) =>
        properties.TryGetValue(DataGenerationProperty, out var value) && value is string text && Guid.TryParseExact(text, "N", out var generation)
            ? generation
            : null;

    /// <summary>Orleans' own property: the stream namespace the message belongs to.</summary>
    public const string StreamNamespaceProperty = "StreamNamespace";
}
