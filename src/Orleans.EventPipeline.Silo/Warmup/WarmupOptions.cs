namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>
/// The start of a gateway silo, bound from <c>Pipeline:Warmup</c>: before <c>/readyz</c> answers 200 the silo sends
/// events of its own tenant (<see cref="Tenants.TenantId.Warmup"/>) through its own ingest endpoint, so the first
/// clients meet compiled code, open links and a grown pool instead of paying for them (docs/PERFORMANCE.md, "A cold
/// silo warms itself up before it reports ready").
/// </summary>
public sealed class WarmupOptions
{
    public const string SectionName = "Pipeline:Warmup";

    /// <summary>Whether a gateway warms itself up before it reports ready.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The warm-up's pace: 2,000 events a second, 200 requests of <see cref="StartupWarmup.EventsPerRequest"/>. Every
    /// per-request method is then called past the 30 calls after which the runtime compiles it optimized within a
    /// fifth of a second, while the hub takes about 0.2 MB/s in 200 messages a second (a tenth of one Event Hubs
    /// throughput unit's ingress by bytes, a fifth by its 1,000 events a second) for the few seconds the warm-up lasts.
    /// </summary>
    public int EventsPerSecond { get; set; } = 2_000;

    /// <summary>
    /// The longest a warm-up runs before the silo reports ready whatever the JIT still does: 30 s. A cold silo of two
    /// cores compiled for 10-20 s under load before its ACKs settled.
    /// </summary>
    public TimeSpan Longest { get; set; } = TimeSpan.FromSeconds(30);
}
