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

    /// <summary>
    /// How much of a tenant's rate its ingest shards lease ahead, together: each lease is this ÷ shardCount
    /// of the rate (at least what the request needs). 100 ms: tokens a shard leased and then got no traffic
    /// for cost the tenant at most 1.25 % of an 8 s window, and a saturated shard calls the tenant's rate
    /// grain about 10 times a second, whatever its request rate.
    /// </summary>
    public TimeSpan RateLeasePeriod { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Retry-After sent with a 503 when the stream does not confirm a write.</summary>
    public TimeSpan UnavailableRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often grain storage is swept of Idempotency-Key records past their use (<see cref="IdempotencyRecord.ForgetAfter"/>).
    /// Every keyed batch leaves one record; 5 minutes keeps what waits for the sweep to a sliver of a day's window.
    /// </summary>
    public TimeSpan IdempotencySweepInterval { get; set; } = TimeSpan.FromMinutes(5);
}
