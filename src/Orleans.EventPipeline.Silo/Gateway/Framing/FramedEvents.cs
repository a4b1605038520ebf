using System.Buffers.Binary;
using Orleans.EventPipeline.Silo.Gateway.Body;
using Orleans.EventPipeline.Silo.Gateway.Memory;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Silo.Gateway.Framing;

/// <summary>
/// A request's events after framing: the accepted ones written once as length-prefixed frames
/// (<see cref="EventFrames"/>, the stream's body format), the rejected ones with reason and raw bytes.
/// An event over the size limit is rejected alone, like a malformed one; its dead letter keeps only its
/// first <see cref="OversizeKeptBytes"/> bytes and records its size.
/// </summary>
public sealed class FramedEvents(EventKind kind, int bodyLength, int maxEventBytes, RequestMemoryLease? lease = null) : IDisposable
{
    /// <summary>
    /// How much of an oversize event its dead letter keeps: 4 KiB shows what the event was, and the
    /// letter (base64, 4/3 of that) stays far below the 1 MB Event Hubs message whatever the limit.
    /// </summary>
    public const int OversizeKeptBytes = 4 * 1024;

    private readonly PooledBuffer _frames = new(CapacityFor(bodyLength), lease: lease);
    private readonly List<DeadLetter> _rejected = [];
    private int _index;

    public EventKind Kind { get; } = kind;

    /// <summary>
    /// The frame buffer for a body: each accepted event costs its bytes plus a 4-byte prefix, so the body
    /// plus prefixes for ~1 event per 64 bytes rarely grows.
    /// </summary>
    public static int CapacityFor(int bodyLength) => bodyLength + (bodyLength / 16) + 64;

    public int Count { get; private set; }

    public ReadOnlyMemory<byte> Frames => _frames.Memory;

    public IReadOnlyList<DeadLetter> Rejected => _rejected;

    public int Total => _index;

    /// <summary>
    /// Largest event the stream can carry, in bytes, whatever the client sent for it: one event must fit one
    /// 1 MB Event Hubs message with the frame prefix and the message's own headers, and 990,000 bytes leaves
    /// 10,000 for those. It is also the highest <see cref="GatewayOptions.MaxEventBytes"/> allowed.
    /// </summary>
    public const int MaxStoredEventBytes = 990_000;

    /// <summary>True when an event of <paramref name="length"/> bytes is within the limit.</summary>
    public bool Fits(int length) => length <= maxEventBytes;

    /// <summary>Keeps a valid event; one over the size limit is rejected instead.</summary>
    public void Accept(ReadOnlySpan<byte> eventBytes) => Accept(eventBytes, eventBytes.Length);

    /// <summary>
    /// Keeps an event stored as <paramref name="eventBytes"/> (a shipper's envelope) of which the client sent
    /// <paramref name="sentBytes"/>: the size limit applies to what the client sent for the event, not to the
    /// envelope's escaping and shared members (an OTLP record's resource). One whose envelope the stream cannot
    /// carry (<see cref="MaxStoredEventBytes"/>) is rejected too, with both sizes.
    /// </summary>
    public void Accept(ReadOnlySpan<byte> eventBytes, int sentBytes)
    {
        if (!Fits(sentBytes))
        {
            RejectOversize(eventBytes, sentBytes, " as sent");
            return;
        }

        if (eventBytes.Length > MaxStoredEventBytes)
        {
            var kept = eventBytes[..OversizeKeptBytes];
            _rejected.Add(new DeadLetter(_index, $"the event is {sentBytes} bytes as sent, but {eventBytes.Length} bytes as stored with what its protocol shares between events (such as an OTLP resource); one stored event can be at most {MaxStoredEventBytes} bytes; its first {kept.Length} bytes are kept in the dead letters", kept.ToArray()) { OriginalSize = eventBytes.Length });
            _index++;
            return;
        }

        var destination = _frames.GetSpan(EventFrames.PrefixBytes + eventBytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination, eventBytes.Length);
        eventBytes.CopyTo(destination[EventFrames.PrefixBytes..]);
        _frames.Advance(EventFrames.PrefixBytes + eventBytes.Length);
        Count++;
        _index++;
    }

    /// <summary>Keeps a malformed event for the dead-letter stream; it does not fail the batch. One over the size limit is rejected for its size.</summary>
    public void Reject(ReadOnlySpan<byte> eventBytes, string reason)
    {
        if (!Fits(eventBytes.Length))
        {
            RejectOversize(eventBytes);
            return;
        }

        _rejected.Add(new DeadLetter(_index, reason, eventBytes.ToArray()));
        _index++;
    }

    /// <summary>Rejects an event over the size limit, keeping its first <see cref="OversizeKeptBytes"/> bytes.</summary>
    public void RejectOversize(ReadOnlySpan<byte> eventBytes) => RejectOversize(eventBytes, eventBytes.Length, "");

    /// <summary>Rejects an event of which the client sent <paramref name="sentBytes"/>, over the limit; <paramref name="eventBytes"/> is what is kept of it.</summary>
    private void RejectOversize(ReadOnlySpan<byte> eventBytes, int sentBytes, string measured)
    {
        var kept = eventBytes[..Math.Min(eventBytes.Length, OversizeKeptBytes)];
        var reason = $"the event is {sentBytes} bytes{measured}; the limit for one event is {maxEventBytes} bytes ({GatewayOptions.SectionName}:{nameof(GatewayOptions.MaxEventBytes)}); its first {kept.Length} bytes are kept in the dead letters";
        _rejected.Add(new DeadLetter(_index, reason, kept.ToArray()) { OriginalSize = sentBytes });
        _index++;
    }

    public void Dispose() => _frames.Dispose();
}
