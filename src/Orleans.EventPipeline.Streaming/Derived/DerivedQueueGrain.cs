using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// A derived stream queue bounded by the bytes it holds (<see cref="DerivedStreamOptions.MaxQueueBytes"/>)
/// rather than Orleans' memory-stream queue, which counts messages only (16,384 of up to 1 MiB each). In
/// memory, not durable: the derived streams are rebuilt from the durable raw stream after a crash.
/// </summary>
public sealed class DerivedQueueGrain(IOptions<DerivedStreamOptions> options, TimeProvider time) : Grain, IDerivedQueueGrain
{
    private readonly long _maxBytes = options.Value.MaxQueueBytes;
    private readonly Queue<DerivedMessage> _messages = new();
    private long _bytes;

    // Starts at the clock so a queue activated again after a crash numbers after its previous activation.
    private long _nextSequence = time.GetUtcNow().UtcTicks;

    public Task Enqueue(DerivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_messages.Count > 0 && _bytes + message.Payload.Length > _maxBytes)
        {
            StreamCacheInstruments.RecordDerivedRefused(this.GetPrimaryKeyString());
            throw new DerivedQueueFullException(
                $"Derived queue {this.GetPrimaryKeyString()} holds {_messages.Count} messages of {_bytes} bytes and refuses one of {message.Payload.Length} for stream {message.StreamId}: "
                + $"its subscribers are behind (budget {_maxBytes} bytes, Pipeline:DerivedStreams:{nameof(DerivedStreamOptions.MaxQueueBytes)}). Retry the publish later.");
        }

        _messages.Enqueue(message.Enqueued(_nextSequence++, time.GetUtcNow().UtcDateTime));
        _bytes += message.Payload.Length;
        return Task.CompletedTask;
    }

    public Task<List<DerivedMessage>> Dequeue(int maxCount)
    {
        var taken = new List<DerivedMessage>(Math.Min(maxCount, _messages.Count));
        while (taken.Count < maxCount && _messages.TryDequeue(out var message))
        {
            _bytes -= message.Payload.Length;
            taken.Add(message);
        }

        return Task.FromResult(taken);
    }
}
