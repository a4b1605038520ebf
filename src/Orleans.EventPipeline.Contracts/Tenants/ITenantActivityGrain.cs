namespace Orleans.EventPipeline.Tenants;

/// <summary>
/// The cluster's live figures per tenant for the dashboard: every silo pushes what its own instruments
/// recorded since its last push (<see cref="TenantActivityPush"/>), and this grain sums them across silos and
/// keeps the last hour of 10 s ingest buckets. One grain (key <see cref="Key"/>): it receives one push per silo
/// every few seconds, sized by the tenants that changed, and one read per dashboard page view, so it is far
/// from a hot spot. Kept in memory: the totals count from when this activation started (a silo that leaves
/// stays counted; if the grain's own silo goes, the sums start again from the pushes that follow).
/// </summary>
public interface ITenantActivityGrain : IGrainWithIntegerKey
{
    /// <summary>The one aggregate's key.</summary>
    public const long Key = 0;

    /// <summary>
    /// Adds the push's deltas, unless this silo's push of that sequence number or a later one was taken already
    /// (a retry of a call that timed out but landed): then nothing, so a delta is never counted twice.
    /// Returns true when the deltas were added, false when ignored as a repeat.
    /// </summary>
    Task<bool> PushAsync(TenantActivityPush push);

    /// <summary>Every tenant's cluster-wide figures now, the series ending with the current 10 s bucket.</summary>
    [Concurrency.ReadOnly]
    Task<TenantActivitySnapshot> ReadAsync();
}

/// <summary>What one silo recorded since its previous push.</summary>
/// <param name="Silo">The pushing silo process (its address with its generation): a restarted silo is a new one.</param>
/// <param name="Sequence">Increases by one per new push of that silo; a retry repeats the same number with the same deltas.</param>
[GenerateSerializer, Immutable]
public sealed record TenantActivityPush(
    [property: Id(0)] string Silo,
    [property: Id(1)] long Sequence,
    [property: Id(2)] IReadOnlyList<TenantActivityDelta> Tenants);

/// <summary>One tenant's change on one silo: counts added since the previous push, and the latest archive lag.</summary>
/// <param name="Buckets">Events added per 10 s bucket, by bucket number (UTC ticks / bucket width), only the buckets that changed.</param>
[GenerateSerializer, Immutable]
public sealed record TenantActivityDelta(
    [property: Id(0)] string TenantId,
    [property: Id(1)] long Events,
    [property: Id(2)] long Bytes,
    [property: Id(3)] long Rejected,
    [property: Id(4)] long Throttled,
    [property: Id(5)] long DeadLetters,
    [property: Id(6)] double? ArchiveLagSeconds,
    [property: Id(7)] DateTimeOffset? ArchiveLagAt,
    [property: Id(8)] IReadOnlyList<TenantActivityBucket> Buckets);

[GenerateSerializer, Immutable]
public sealed record TenantActivityBucket([property: Id(0)] long Slot, [property: Id(1)] long Events);

/// <summary>The cluster's figures of every tenant that any silo recorded.</summary>
/// <param name="Slot">The current bucket: the series' last.</param>
[GenerateSerializer, Immutable]
public sealed record TenantActivitySnapshot(
    [property: Id(0)] long Slot,
    [property: Id(1)] IReadOnlyDictionary<string, TenantActivityTotals> Tenants);

/// <summary>One tenant summed over the cluster.</summary>
/// <param name="Series">Events per 10 s bucket over the last hour, oldest first, ending with the current bucket.</param>
[GenerateSerializer, Immutable]
public sealed record TenantActivityTotals(
    [property: Id(0)] long Events,
    [property: Id(1)] long Bytes,
    [property: Id(2)] long Rejected,
    [property: Id(3)] long Throttled,
    [property: Id(4)] long DeadLetters,
    [property: Id(5)] double? ArchiveLagSeconds,
    [property: Id(6)] DateTimeOffset? ArchiveLagAt,
    [property: Id(7)] long[] Series);

/// <summary>The 10 s buckets both the silos and the aggregate count in.</summary>
public static class TenantActivityBuckets
{
    /// <summary>10 s buckets: a rate over the last minute moves within seconds of a change.</summary>
    public static readonly TimeSpan Width = TimeSpan.FromSeconds(10);

    /// <summary>360 buckets of 10 s: the chart's hour.</summary>
    public const int Count = 360;

    public static long SlotOf(DateTimeOffset now) => now.UtcTicks / Width.Ticks;
}
