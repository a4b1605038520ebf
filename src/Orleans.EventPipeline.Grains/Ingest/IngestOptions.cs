namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>Settings of the ingest grains, shared by all tenants.</summary>
public sealed class IngestOptions
{
    /// <summary>
    /// Largest Event Hubs message body the ingest grain writes, in bytes. Event Hubs refuses
    /// messages over 1,048,576 bytes including AMQP framing and properties (a few hundred bytes
    /// here); 1,000,000 keeps a safe margin.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 1_000_000;

    /// <summary>Retry-After sent with a 503 when the stream does not confirm a write.</summary>
    public TimeSpan UnavailableRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}
