using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streams;

/// <summary>
/// Keeps a durable stream's checkpoint before events a subscriber has received but not yet made durable
/// itself. Orleans advances a partition's checkpoint when a message leaves the receiver's cache or when
/// the receiver stops, whether or not a subscriber that buffers (the archive stage, for up to
/// <c>Pipeline:Archive:MaxAge</c>, or for as long as its store is down) has written it; a hold makes the
/// checkpoint wait, so a restart replays the held events.
/// </summary>
public interface ICheckpointHolds
{
    /// <summary>
    /// Holds the checkpoint of <paramref name="streamId"/>'s partition before <paramref name="token"/>'s
    /// position until <see cref="Release"/> is called with the same <paramref name="holder"/>. A holder
    /// that already holds keeps its earlier position.
    /// </summary>
    void Hold(StreamId streamId, StreamSequenceToken token, object holder);

    /// <summary>Ends <paramref name="holder"/>'s hold: what it held is durable.</summary>
    void Release(object holder);

    /// <summary>
    /// Whether this silo's receivers read <paramref name="streamId"/>'s partition now (true when that is not
    /// known, e.g. for a stream that is not on Event Hubs). Holds govern only the checkpoint of this silo's
    /// receivers: a holder fed by another silo's receiver (its partition moved there) should write what it
    /// buffered and move to that silo (<see cref="ReaderOf"/>).
    /// </summary>
    bool IsReadHere(StreamId streamId);

    /// <summary>
    /// The silo whose receivers read <paramref name="streamId"/>'s partition, as this silo's view of the
    /// cluster has it; null when that is not known or no silo reads it.
    /// </summary>
    SiloAddress? ReaderOf(StreamId streamId);
}
