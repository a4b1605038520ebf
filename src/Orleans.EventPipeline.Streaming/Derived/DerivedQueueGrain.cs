using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.EventPipeline.Streaming.Caching;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>
/// A derived stream queue bounded by the bytes it holds (<see cref="DerivedStreamOptions.MaxQueueBytes"/>)
/// rather than Orleans' memory-stream queue, which counts messages only (16,384 of up to 1 MiB each). A
/// publish that does not fit waits, in order, until the pulling agent's reads make room, and is refused
/// after <see cref="DerivedStreamOptions.EnqueueWait"/>. In memory, not durable: the derived streams are
/// rebuilt from the durable raw stream after a crash.
/// </summary>
/// <remarks>Reentrant so that reads run while publishes wait; each call's changes happen between its awaits.</remarks>
[Reentrant]
public sealed class DerivedQueueGrain(IOptions<DerivedStreamOptions> options, TimeProvider time) : Grain, IDerivedQueueGrain
{
    private readonly long _maxBytes = options.Value.MaxQueueBytes;
    private readonly Queue<DerivedMessage> _messages = new();
    private readonly Queue<Waiting> _waiting = new();
    private long _bytes;

    // Starts at the clock so a queue activated again after a crash numbers after its previous activation.
    private long _nextSequence = time.GetUtcNow().UtcTicks;

    public async Task Enqueue(DerivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_waiting.Count == 0 && Fits(message))
        {
            Append(message);
            return;
        }

        var waiting = new Waiting(message);
        _waiting.Enqueue(waiting);
        try
        {
            await waiting.Admitted.Task.WaitAsync(DerivedStreamOptions.EnqueueWait, time);
        }
        catch (TimeoutException) when (!waiting.Admitted.Task.IsCompleted)
        {
            // Left in the line, skipped when its turn comes.
            waiting.Abandoned = true;
            StreamCacheInstruments.RecordDerivedRefused(this.GetPrimaryKeyString());
            throw new DerivedQueueFullException(
                $"Derived queue {this.GetPrimaryKeyString()} holds {_messages.Count} messages of {_bytes} bytes and had no room for one of {message.Payload.Length} bytes for stream {message.StreamId} "
                + $"within {DerivedStreamOptions.EnqueueWait.TotalSeconds} s: its subscribers are behind (budget {_maxBytes} bytes, Pipeline:DerivedStreams:{nameof(DerivedStreamOptions.MaxQueueBytes)}). Retry the publish later.");
        }
    }

    public Task<List<DerivedMessage>> Dequeue(int maxCount)
    {
        var taken = new List<DerivedMessage>(Math.Min(maxCount, _messages.Count));
        while (taken.Count < maxCount && _messages.TryDequeue(out var message))
        {
            _bytes -= message.Payload.Length;
            taken.Add(message);
        }

        while (_waiting.TryPeek(out var next) && (next.Abandoned || Fits(next.Message)))
        {
            _waiting.Dequeue();
            if (!next.Abandoned)
            {
                Append(next.Message);
                next.Admitted.SetResult();
            }
        }

        return Task.FromResult(taken);
    }

    // An empty queue takes any message: the publisher refuses one larger than a cache block, and the budget is at least one.
    private bool Fits(DerivedMessage message) => _messages.Count == 0 || _bytes + message.Payload.Length <= _maxBytes;

    private void Append(DerivedMessage message)
    {
        _messages.Enqueue(message.Enqueued(_nextSequence++, time.GetUtcNow().UtcDateTime));
        _bytes += message.Payload.Length;
    }

    private sealed class Waiting(DerivedMessage message)
    {
        public DerivedMessage Message { get; } = message;

        public TaskCompletionSource Admitted { get; } = new();

        public bool Abandoned { get; set; }
    }
}
