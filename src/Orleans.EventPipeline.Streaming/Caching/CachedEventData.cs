using System.Diagnostics.CodeAnalysis;
using Azure.Messaging.EventHubs;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>
/// The pipeline's own messages (raw and dead-letter batches) one partition's receiver cache holds, as the Event Hubs
/// client read them, by sequence number. Orleans' cache copies each message into its blocks and out again into a new
/// array at every delivery: two copies of up to a megabyte per message, the second a large object left to the
/// collector. Kept here (bodies of <see cref="MinBodyBytes"/> or more), a cache entry holds only the message's offset, and a raw batch's delivery reads the client's
/// body without a copy, as read-only memory (every delivery of the message shares it; a dead-letter batch is decoded
/// into arrays of its own). Each message counts against the silo's cache budget with its body and
/// <see cref="PerMessageBytes"/>; it leaves with its cache entry (<see cref="GuardedEvictionStrategy"/>).
/// </summary>
internal sealed class CachedEventData(CacheBudget budget)
{
    /// <summary>
    /// The smallest body kept here: the runtime's large-object threshold. A smaller body's copy per delivery is a young
    /// object the collector takes back cheaply, while the client's event kept alive here would live on into the older
    /// generations with its whole object graph: one-event batches measured 528-537 MiB resident kept here, 453 in blocks.
    /// </summary>
    public const int MinBodyBytes = 85_000;

    /// <summary>
    /// What a received message keeps besides its body, counted with it: the client's event, its AMQP sections and their
    /// dictionaries, about ten decoded application properties. Estimated at 1.5-3 KB from the client's types, not
    /// measured; the upper end, so that a cache of one-event batches of a few hundred bytes is not undercounted.
    /// </summary>
    public const int PerMessageBytes = 3 << 10;

    private readonly Dictionary<long, EventData> _messages = [];
    private readonly Lock _lock = new();
    private long _bytes;
    private long _reported;

    /// <summary>Messages held.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>
    /// Holds <paramref name="message"/> until <see cref="Remove"/> is called with its sequence number; false, holding
    /// nothing, when a message of that sequence number is held already (the cache keeps this one in its blocks).
    /// </summary>
    public bool TryAdd(EventData message)
    {
        lock (_lock)
        {
            if (!_messages.TryAdd(message.SequenceNumber, message))
            {
                return false;
            }

            _bytes += Counted(message);
            budget.Report(ref _reported, _bytes);
            return true;
        }
    }

    public bool TryGet(long sequenceNumber, [NotNullWhen(true)] out EventData? message)
    {
        lock (_lock)
        {
            return _messages.TryGetValue(sequenceNumber, out message);
        }
    }

    /// <summary>Lets the message go; returns the bytes it counted, 0 for one not held.</summary>
    public long Remove(long sequenceNumber)
    {
        lock (_lock)
        {
            if (!_messages.Remove(sequenceNumber, out var message))
            {
                return 0;
            }

            var counted = Counted(message);
            _bytes -= counted;
            budget.Report(ref _reported, _bytes);
            return counted;
        }
    }

    private static long Counted(EventData message) => message.Body.Length + PerMessageBytes;

    /// <summary>Lets every message go: the cache itself is gone.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _messages.Clear();
            _bytes = 0;
            budget.Report(ref _reported, 0);
        }
    }
}
