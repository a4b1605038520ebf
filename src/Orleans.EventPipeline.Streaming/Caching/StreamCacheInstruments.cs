using System.Diagnostics.Metrics;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// The receivers' metrics (their caches, the derived streams' caches, and the messages they quarantine), on the meter <see cref="MeterName"/>, tagged with the provider and its Event Hubs partition or derived queue
/// (bounded by the hubs' partition counts and the providers' queue counts).
/// </summary>
public static class StreamCacheInstruments
{
    public const string MeterName = "Orleans.EventPipeline.Streaming";

    /// <summary>Name of the counter of times a partition stopped reading because a subscriber had not taken a message older than the cache age.</summary>
    public const string HoldsName = "eventpipeline.stream_cache.holds";

    /// <summary>Name of the gauge of bytes this silo's receiver caches hold, against <c>Pipeline:StreamCache:MaxBytes</c>.</summary>
    public const string BytesName = "eventpipeline.stream_cache.bytes";

    /// <summary>Name of the gauge of bytes this silo's derived stream caches hold, against <c>Pipeline:DerivedStreams:MaxCacheBytes</c>.</summary>
    public const string DerivedBytesName = "eventpipeline.derived_stream_cache.bytes";

    /// <summary>Name of the counter of publishes a derived queue refused because it was at its byte budget.</summary>
    public const string DerivedRefusedName = "eventpipeline.derived_queue.refused";

    /// <summary>Name of the counter of messages read from the hub that the pipeline cannot deliver (kept under GET /admin/v1/quarantine).</summary>
    public const string QuarantinedName = "eventpipeline.quarantine.messages";

    /// <summary>Name of the counter of streams a receiver woke because the pulling agent left a caught-up cursor waiting for a message read.</summary>
    public const string WakesName = "eventpipeline.stream_cache.wakes";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Wakes = Meter.CreateCounter<long>(
        WakesName, "{wake}", "Streams a receiver woke because Orleans' pulling agent left a caught-up cursor waiting for a message it had read (Pipeline:StreamCache:WakeAfter); each is also a warning in the log.");

    private static readonly Counter<long> Quarantined = Meter.CreateCounter<long>(
        QuarantinedName, "{message}", "Messages read from the hub that the pipeline cannot deliver, each kept whole under GET /admin/v1/quarantine.");

    private static readonly Counter<long> DerivedRefused = Meter.CreateCounter<long>(
        DerivedRefusedName, "{message}", "Publishes a derived queue refused because it held Pipeline:DerivedStreams:MaxQueueBytes: its subscribers are behind, and the publishing stage retries.");

    private static readonly Counter<long> Holds = Meter.CreateCounter<long>(
        HoldsName, "{hold}", "Times a partition's cache had to keep a message older than the cache age because a subscriber had not taken it; the partition reads nothing new until it has.");

    /// <summary>
    /// The bytes gauge of one silo, on a meter of the silo's own <paramref name="meters"/> (disposed with the
    /// silo's services), so that silos sharing a process each report their own.
    /// </summary>
    /// <param name="name"><see cref="BytesName"/> for the Event Hubs receivers' caches, <see cref="DerivedBytesName"/> for the derived streams'.</param>
    internal static void ObserveBytes(IMeterFactory meters, string name, CacheBudget budget) =>
        meters.Create(MeterName).CreateObservableGauge(
            name, () => budget.Held, "By", name == DerivedBytesName
                ? "Bytes this silo's derived stream caches hold (whole 1 MiB blocks), against Pipeline:DerivedStreams:MaxCacheBytes."
                : "Bytes this silo's receiver caches hold (whole 1 MiB blocks), against Pipeline:StreamCache:MaxBytes.");

    internal static void RecordQuarantined(string partition) => Quarantined.Add(1, PartitionTag(partition));

    internal static void RecordDerivedRefused(string queue) => DerivedRefused.Add(1, PartitionTag(queue));

    internal static void RecordHold(string partition) => Holds.Add(1, PartitionTag(partition));

    internal static void RecordWake(string partition) => Wakes.Add(1, PartitionTag(partition));

    // A counter series appears on its first measurement, and increase() over a window needs a sample before
    // the first real one: without these zeros the first hold or quarantined message of a partition was invisible
    // to the alerts on them. Called when a receiver opens the partition, with the tag its increments carry.

    /// <summary>Starts <paramref name="partition"/>'s quarantine counter at 0 (an Event Hubs receiver opened it).</summary>
    internal static void StartQuarantined(string partition) => Quarantined.Add(0, PartitionTag(partition));

    /// <summary>Starts <paramref name="partition"/>'s hold counter at 0 (a receiver's cache guard was created for it).</summary>
    internal static void StartHolds(string partition) => Holds.Add(0, PartitionTag(partition));

    /// <summary>Starts <paramref name="queue"/>'s refusal counter at 0 (its queue grain activated, on the silo whose refusals it counts).</summary>
    internal static void StartDerivedRefused(string queue) => DerivedRefused.Add(0, PartitionTag(queue));

    /// <summary>Starts <paramref name="partition"/>'s wake counter at 0 (an Event Hubs receiver opened it; the derived streams' receivers do not wake).</summary>
    internal static void StartWakes(string partition) => Wakes.Add(0, PartitionTag(partition));

    private static KeyValuePair<string, object?> PartitionTag(string partition) => new("partition", partition);
}
