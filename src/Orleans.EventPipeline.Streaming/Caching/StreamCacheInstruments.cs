using System.Diagnostics.Metrics;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// The receiver caches' metrics, on the meter <see cref="MeterName"/>, tagged with the Event Hubs
/// partition (bounded by the hub's partition count).
/// </summary>
public static class StreamCacheInstruments
{
    public const string MeterName = "Orleans.EventPipeline.Streaming";

    /// <summary>Name of the counter of times a partition stopped reading because a subscriber had not taken a message older than the cache age.</summary>
    public const string HoldsName = "eventpipeline.stream_cache.holds";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Holds = Meter.CreateCounter<long>(
        HoldsName, "{hold}", "Times a partition's cache had to keep a message older than the cache age because a subscriber had not taken it; the partition reads nothing new until it has.");

    internal static void RecordHold(string partition) => Holds.Add(1, new KeyValuePair<string, object?>("partition", partition));
}
