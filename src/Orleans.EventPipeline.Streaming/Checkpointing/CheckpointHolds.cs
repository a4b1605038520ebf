using System.Globalization;
using Orleans.EventPipeline.Streaming.EventHubs;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Checkpointing;

/// <summary>
/// The holds of this silo's subscribers, by Event Hubs partition and offset, read by
/// <see cref="HoldingCheckpointer"/>. Holds live in memory: a hold that is never released (a subscriber
/// deactivated with events it could not write) keeps its partition's checkpoint until the silo restarts,
/// and the restart replays those events.
/// </summary>
public sealed class CheckpointHolds(HubPartitions partitions) : ICheckpointHolds
{
    private readonly Dictionary<object, Held> _holds = new(ReferenceEqualityComparer.Instance);
    private volatile Readers? _readers;

    /// <summary>
    /// Records which silo reads each partition, as the queue balancer hands them out; a partition
    /// missing from <paramref name="readerByPartition"/> is read by no silo.
    /// </summary>
    public void ReadBy(IReadOnlyDictionary<string, SiloAddress> readerByPartition, SiloAddress self) => _readers = new Readers(readerByPartition, self);

    /// <inheritdoc/>
    public bool IsReadHere(StreamId streamId) => Reading(streamId) is not { } known || (known.Reader?.Equals(known.Self) ?? false);

    /// <inheritdoc/>
    public SiloAddress? ReaderOf(StreamId streamId) => Reading(streamId)?.Reader;

    /// <summary>
    /// The reader of the stream's partition (null: none) and this silo; null when not known (no balancer's
    /// view yet, or a stream that is not on Event Hubs).
    /// </summary>
    private (SiloAddress? Reader, SiloAddress Self)? Reading(StreamId streamId) =>
        _readers is { } readers && partitions.PartitionOf(streamId.GetKeyAsString()) is { } partition
            ? (readers.ByPartition.GetValueOrDefault(partition), readers.Self)
            : null;

    /// <inheritdoc/>
    public void Hold(StreamId streamId, StreamSequenceToken token, object holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        // Only the Event Hubs provider checkpoints; in-memory streams (tests, derived streams) have nothing to hold.
        if (token is not IEventHubPartitionLocation location || partitions.PartitionOf(streamId.GetKeyAsString()) is not { } partition)
        {
            return;
        }

        if (!long.TryParse(location.EventHubOffset, NumberStyles.Integer, CultureInfo.InvariantCulture, out var offset))
        {
            // Holds compare offsets as numbers, and a geo-replicated namespace's are not: held below every offset,
            // the partition's checkpoint stays where it is until the hold is released (a crash replays more, loses nothing).
            offset = long.MinValue;
        }

        lock (_holds)
        {
            _holds.TryAdd(holder, new Held(partition, offset));
        }
    }

    /// <inheritdoc/>
    public void Release(object holder)
    {
        lock (_holds)
        {
            _holds.Remove(holder);
        }
    }

    /// <summary>The lowest offset held on <paramref name="partition"/>; null when nothing is held there.</summary>
    public long? LowestHeld(string partition)
    {
        lock (_holds)
        {
            long? lowest = null;
            foreach (var held in _holds.Values)
            {
                if (held.Partition == partition && (lowest is null || held.Offset < lowest))
                {
                    lowest = held.Offset;
                }
            }

            return lowest;
        }
    }

    private readonly record struct Held(string Partition, long Offset);

    private sealed record Readers(IReadOnlyDictionary<string, SiloAddress> ByPartition, SiloAddress Self);
}
