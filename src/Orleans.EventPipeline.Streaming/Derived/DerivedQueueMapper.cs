using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// Gives each hop of the derived streams queues of its own: the streams of each namespace in
/// <c>hops</c> go to <see cref="DerivedStreamOptions.QueuesPerGroup"/> queues no other namespace uses,
/// and every other namespace to a last group. A full queue makes its publisher wait, so a stage that
/// reads one queue and publishes to another must never publish into a queue it reads: with shared
/// queues the order stage, waiting for room in a queue whose reading waits for the order stage to take
/// its next message, would wait for good.
/// </summary>
internal sealed class DerivedQueueMapper : IConsistentRingStreamQueueMapper
{
    private readonly string[] _hops;
    private readonly QueueId[] _queues;

    public DerivedQueueMapper(string provider, IReadOnlyList<string> hops)
    {
        _hops = [.. hops];
        var groups = _hops.Length + 1;
        _queues = new QueueId[groups * DerivedStreamOptions.QueuesPerGroup];
        // Spread over Orleans' ring of uint hashes like its own mapper, for balancers that take ranges of it.
        var portion = (uint)((1L << 32) / _queues.Length);
        for (var group = 0; group < groups; group++)
        {
            var name = group < _hops.Length ? $"{provider}-{_hops[group]}" : $"{provider}-other";
            for (var i = 0; i < DerivedStreamOptions.QueuesPerGroup; i++)
            {
                var index = (group * DerivedStreamOptions.QueuesPerGroup) + i;
                _queues[index] = QueueId.GetQueueId(name, (uint)i, portion * (uint)index);
            }
        }
    }

    public IEnumerable<QueueId> GetAllQueues() => _queues;

    // StreamId's hash is computed from its bytes, the same on every silo (Orleans' own mapper relies on it).
    public QueueId GetQueueForStream(StreamId streamId)
    {
        var group = Array.IndexOf(_hops, streamId.GetNamespace());
        if (group < 0)
        {
            group = _hops.Length;
        }

        return _queues[(group * DerivedStreamOptions.QueuesPerGroup) + (int)((uint)streamId.GetHashCode() % DerivedStreamOptions.QueuesPerGroup)];
    }

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range) => _queues.Where(queue => range.InRange(queue.GetUniformHashCode()));
}
