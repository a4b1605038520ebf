using System.Diagnostics.Metrics;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// The receiver caches' metrics, on the meter <see cref="MeterName"/>, tagged with the Event Hubs
/// partition (bounded by the hub's partition count).
/// </summary>
public static class StreamCacheInstruments
{
    public const string MeterName = "Orleans.EventPipeline.Streaming";

    /// <summary>Name of the counter of purges that stopped at a message a subscriber had not taken yet.</summary>
    public const string HeldPurgesName = "eventpipeline.stream_cache.held_purges";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> HeldPurges = Meter.CreateCounter<long>(
        HeldPurgesName, "{purge}", "Cache purges that kept messages older than the cache age because a subscriber had not taken them; the partition reads nothing new meanwhile.");

    internal static void RecordHeldPurge(string partition) => HeldPurges.Add(1, new KeyValuePair<string, object?>("partition", partition));
}
