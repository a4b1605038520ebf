using Orleans.Configuration;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Bounds the silo's cache of grain addresses. Orleans keeps an entry for every grain the silo looked up, and a request
/// with an Idempotency-Key makes a grain of its own for its key (<c>IdempotentIngestGrain</c>): under the project's
/// client, which sends a key per batch, the cache gained an entry per request, about 260-310 bytes of heap each (513,148
/// entries after 230 s of keyed requests in one heap dump, docs/PERFORMANCE.md "Idempotency keys"), up to Orleans'
/// default bound.
/// </summary>
public static class GrainDirectoryCacheBound
{
    /// <summary>
    /// Entries kept: room for the grains a silo calls again and again — per tenant its ingest shards, rate, key and tenant
    /// grains and processors, about ten — for 10,000 tenants, in about 30 MB; a key's grain, used once, ages out of it.
    /// </summary>
    public const int MaxEntries = 100_000;

    /// <summary>Sets the grain directory cache to <see cref="MaxEntries"/> entries.</summary>
    public static ISiloBuilder BoundGrainDirectoryCache(this ISiloBuilder silo) =>
        silo.Configure<GrainDirectoryOptions>(static directory => directory.CacheSize = MaxEntries);
}
