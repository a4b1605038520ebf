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

    /// <summary>The highest <see cref="Longest"/> accepted (5 minutes): a warm-up's key is retired by its bound, not by one gateway's setting.</summary>
    public static readonly TimeSpan MaxLongest = TimeSpan.FromMinutes(5);

    /// <summary>Whether a gateway warms itself up before it reports ready.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The warm-up's pace: 2,000 events a second, 200 requests of <see cref="StartupWarmup.EventsPerRequest"/>. Every
    /// per-request method is then called past the 30 calls after which the runtime compiles it optimized within a
    /// fifth of a second, while the hub takes about 0.2 MB/s in 200 messages a second (a tenth of one Event Hubs
    /// throughput unit's ingress by bytes, a fifth by its 1,000 events a second) for the few seconds the warm-up lasts;
    /// <see cref="LargeRequestsPerSecond"/> comes on top.
    /// </summary>
    public int EventsPerSecond { get; set; } = 2_000;

    /// <summary>
    /// At most this many large requests a second besides the small ones, on a connection of their own: each of
    /// <see cref="StartupWarmup.LargeRequestEvents"/> events of <see cref="StartupWarmup.LargeEventBytes"/> bytes (about
    /// 0.5 MB; fewer and smaller under lower gateway limits), never keyed. 0, the default, sends none. The small requests
    /// compile the code; these grow what a silo sizes by the bytes it carries, the garbage collector's large-object
    /// budget first. At 10 a second a fresh silo's first second at 50,000 events/s in requests of 500 KB had one gen2
    /// collection instead of three, and was under 50 ms in more runs; at 2 a second it was no better than without
    /// (docs/PERFORMANCE.md, "The warm-up's large requests"). Each is about 0.5 MB/s into the hub while the warm-up
    /// lasts, on top of the small requests' 0.2, spread over the partitions: off by default because a Standard
    /// namespace takes 1 MB/s per throughput unit (the Bicep template's has 2, auto-inflating to 10, which Azure does not
    /// lower again by itself) and per partition, and a throttled hub would slow the other gateways' sends too. Set it where
    /// the hub has that to spare.
    /// </summary>
    public int LargeRequestsPerSecond { get; set; }

    /// <summary>
    /// The longest a warm-up runs before the silo reports ready whatever the JIT still does: 30 s. A cold silo of two
    /// cores compiled for 10-20 s under load before its ACKs settled.
    /// </summary>
    public TimeSpan Longest { get; set; } = TimeSpan.FromSeconds(30);
}
