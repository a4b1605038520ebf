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
    /// Large requests a second besides: 10, each of <see cref="StartupWarmup.LargeRequestEvents"/> events of about
    /// <see cref="StartupWarmup.LargeEventBytes"/> bytes (about 0.5 MB), on a connection of their own; 0 sends none. The
    /// small requests compile the code, these grow what a silo sizes by the bytes it carries (the garbage collector's
    /// large-object budget, the pools and caches): a fresh silo's first second at 50,000 events/s in requests of 500 KB
    /// was under 50 ms in six runs of seven with them, in two of ten without, and not better with 2 a second
    /// (docs/PERFORMANCE.md, "The warm-up's large requests"). At 10 a second that is about 5 MB/s into the hub while the
    /// warm-up lasts: five Event Hubs throughput units' ingress. A namespace with fewer answers "server busy", which the
    /// warm-up waits out, but so do the other gateways' sends meanwhile: set it to what the namespace has to spare.
    /// </summary>
    public int LargeRequestsPerSecond { get; set; } = 10;

    /// <summary>
    /// The longest a warm-up runs before the silo reports ready whatever the JIT still does: 30 s. A cold silo of two
    /// cores compiled for 10-20 s under load before its ACKs settled.
    /// </summary>
    public TimeSpan Longest { get; set; } = TimeSpan.FromSeconds(30);
}
