namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>Limits of the ingest API, bound from <c>Pipeline:Gateway</c> and checked by <see cref="GatewayOptionsValidator"/>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Pipeline:Gateway";

    /// <summary>Largest request body on the wire (compressed), in bytes: 10 MiB.</summary>
    public long MaxBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// Largest body after decompression, in bytes: 32 MiB. Bounds memory per request and stops
    /// zip bombs (gzip reaches 1000:1) before they are inflated.
    /// </summary>
    public long MaxDecompressedBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest single event, in bytes: 256 KiB. Must stay under the 1 MB Event Hubs message.</summary>
    public int MaxEventBytes { get; set; } = 256 * 1024;

    /// <summary>How long a resolved API key is trusted before asking its grain again: a revoked key stops working within this.</summary>
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for the durable write before answering 503, in seconds.</summary>
    public TimeSpan DurableWriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bytes all ingest requests together may hold in body and frame buffers: 256 MiB. A request that
    /// does not fit is answered 503 with Retry-After, before its body is read when its declared size
    /// already does not fit. 256 MiB lets 12 bodies of the 10 MiB wire limit, or 3 at the 32 MiB
    /// decompressed limit, be in flight at once: more than 2 cores frame and write concurrently.
    /// </summary>
    public long MaxInFlightBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>What one request at the decompressed limit holds at its peak: its body and its frames.</summary>
    public long OneRequestPeakBytes => MaxDecompressedBytes + 1 + Framing.FramedEvents.CapacityFor((int)Math.Min(MaxDecompressedBytes, int.MaxValue / 2));
}
