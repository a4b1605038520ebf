using System.Buffers.Binary;
using Orleans.EventPipeline.Silo.Gateway.Body;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway.Framing;

/// <summary>
/// A request's events after framing: the accepted ones written once as length-prefixed frames
/// (<see cref="EventFrames"/>, the stream's body format), the rejected ones with reason and raw bytes.
/// </summary>
public sealed class FramedEvents(EventKind kind, int bodyLength, int maxEventBytes) : IDisposable
{
    // Each accepted event costs its bytes plus a 4-byte prefix; one buffer sized for the body
    // plus prefixes for ~1 event per 64 bytes rarely grows.
    private readonly PooledBuffer _frames = new(bodyLength + (bodyLength / 16) + 64);
    private readonly List<DeadLetter> _rejected = [];
    private int _index;

    public EventKind Kind { get; } = kind;

    public int Count { get; private set; }

    public ReadOnlyMemory<byte> Frames => _frames.Memory;

    public IReadOnlyList<DeadLetter> Rejected => _rejected;

    public int Total => _index;

    public void Accept(ReadOnlySpan<byte> eventBytes)
    {
        CheckSize(eventBytes.Length);
        var destination = _frames.GetSpan(EventFrames.PrefixBytes + eventBytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination, eventBytes.Length);
        eventBytes.CopyTo(destination[EventFrames.PrefixBytes..]);
        _frames.Advance(EventFrames.PrefixBytes + eventBytes.Length);
        Count++;
        _index++;
    }

    /// <summary>Keeps a malformed event for the dead-letter stream; it does not fail the batch.</summary>
    public void Reject(ReadOnlySpan<byte> eventBytes, string reason)
    {
        CheckSize(eventBytes.Length);
        _rejected.Add(new DeadLetter(_index, reason, eventBytes.ToArray()));
        _index++;
    }

    public void Dispose() => _frames.Dispose();

    private void CheckSize(int length)
    {
        if (length > maxEventBytes)
        {
            throw IngestProblemException.TooLarge($"Event {_index} is {length} bytes; the limit for one event is {maxEventBytes} bytes.");
        }
    }
}
